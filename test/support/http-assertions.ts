import assert from "node:assert/strict";

/**
 * @module
 * Assertions on HTTP answers: a problem+json refusal with one of our codes, nothing leaked from inside the
 * server, the headers every response carries.
 */

/** The parts of an HTTP answer these helpers read: light-my-request responses and fetch results both fit. */
export interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
}

/** Stack frames, driver messages and SQL: none of these may ever reach a client. */
const leakPatterns: readonly RegExp[] = [
  /\bat [^\s]+ \(/,
  /\.ts:\d+:\d+/,
  /node_modules/,
  /\bstack\b/i,
  /\b(SELECT|INSERT|UPDATE|DELETE)\s.+\b(FROM|INTO|SET|WHERE)\b/i,
  /\bsqlite/i,
  /\bpostgres|\bpg_|\bSQLSTATE\b|\bsyntax error\b/i,
  /\bFST_[A-Z_]+/,
];

export function assertNoLeak(body: string, label = ""): void {
  for (const pattern of leakPatterns) assert.doesNotMatch(body, pattern, `${label}: body leaks ${pattern}`);
}

/**
 * An RFC 9457 problem answer with one of our codes, and nothing from inside the server. Returns the code.
 */
export function assertProblem(response: Answer, status: number, code?: string, label = ""): string {
  const where = `${label} (${response.statusCode} ${response.body.slice(0, 200)})`;
  assert.equal(response.statusCode, status, where);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/, where);
  const body = JSON.parse(response.body) as { code?: unknown; status?: unknown };
  assert.equal(typeof body.code, "string", where);
  assert.match(String(body.code), /^[A-Z][A-Z_]+$/, where);
  assert.equal(body.status, status, where);
  if (code !== undefined) assert.equal(body.code, code, where);
  assertNoLeak(response.body, label);
  return String(body.code);
}

/** A refusal of any kind: 4xx problem+json with a code, never a 5xx. */
export function assertClientError(response: Answer, label = ""): string {
  const where = `${label} (${response.statusCode} ${response.body.slice(0, 200)})`;
  assert.ok(response.statusCode >= 400 && response.statusCode < 500, `expected a 4xx: ${where}`);
  return assertProblem(response, response.statusCode, undefined, label);
}

function header(response: Answer, name: string): string {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(", ") : String(value ?? "");
}

/** The headers every response must carry, whatever its status (SECURITY.md 1.4). */
export function assertSecurityHeaders(response: Answer, label = ""): void {
  const where = `${label} (${response.statusCode})`;
  assert.match(header(response, "cache-control"), /\bno-store\b/, `Cache-Control on ${where}`);
  assert.equal(header(response, "x-content-type-options"), "nosniff", `nosniff on ${where}`);
  const csp = new Map(
    header(response, "content-security-policy")
      .split(";")
      .map((directive) => directive.trim().split(/\s+/))
      .map(([name = "", ...values]) => [name.toLowerCase(), values] as const),
  );
  // object-src falls back to default-src (the API's CSP says only `default-src 'none'`); base-uri does not.
  assert.deepEqual(csp.get("object-src") ?? csp.get("default-src"), ["'none'"], `CSP object-src on ${where}`);
  assert.deepEqual(csp.get("base-uri"), ["'none'"], `CSP base-uri on ${where}`);
  assert.deepEqual(csp.get("frame-ancestors"), ["'none'"], `CSP frame-ancestors on ${where}`);
  const maxAge = /(?:^|;)\s*max-age=(\d+)/i.exec(header(response, "strict-transport-security"));
  assert.ok(maxAge !== null && Number(maxAge[1]) >= 31_536_000, `HSTS max-age on ${where}`);
}

/** The code of a problem+json answer, whatever its status. */
export function problemCode(response: { headers: Record<string, unknown>; json(): unknown }): string {
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  return (response.json() as { code: string }).code;
}
