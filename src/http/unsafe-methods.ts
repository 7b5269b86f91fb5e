/**
 * @module
 * The methods that may change state. The CSRF check (csrf.ts) and the API's JSON-only body rule
 * (body-guard.ts) guard exactly these, from this one list: a method added to one guard but not the other
 * would be a way past the other.
 */
export const unsafeMethods: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);
