/** Longer return URLs are refused: the sign-in form and its query carry at most this many characters. */
export const maxReturnPathLength = 500;

/**
 * Control (C0, DEL, C1), format (zero-width, bidi overrides), surrogate, private-use and unassigned code
 * points, every space and separator, and the backslash. URL parsers silently drop tabs and newlines and
 * read "\" as "/" (so "/<TAB>/evil" and "/\evil" become "//evil", another host), a browser may render
 * invisible ones as nothing, and a CR or LF in a Location header is a 500 or a split response. None of
 * them is in a path this server ever sends a browser back to.
 */
const unsafeRaw = /[\p{C}\p{Z}\\]/u;
/** The same, once percent-escapes are decoded, in the path only: a proxy or router that decodes it again
 * must not find "//", "\" or a control character there either. The query and fragment are data. */
const unsafeDecodedPath = /[\p{Cc}\p{Cf}\\]/u;

/**
 * Where a browser may be sent after signing in (no open redirect, ASVS 5.1.5): a path on the public origin.
 * It is accepted only if it starts with a single "/", contains none of the characters above (raw, or
 * percent-encoded in its path), and resolving it against the public origin gives that origin. The answer
 * is the parser's own serialization, so what the browser follows is exactly what was checked. Anything
 * else is null and the caller falls back to its default page.
 *
 * It takes the public URL, not a bare origin, so that a later list of other allowed hosts fits here.
 */
export function returnUrl(next: unknown, publicUrl: URL): string | null {
  if (typeof next !== "string" || next.length > maxReturnPathLength) return null;
  if (!next.startsWith("/") || next.startsWith("//") || unsafeRaw.test(next)) return null;
  let resolved: URL;
  try {
    resolved = new URL(next, publicUrl.origin);
  } catch {
    return null;
  }
  if (resolved.origin !== publicUrl.origin) return null;
  const path = decodedPath(resolved.pathname);
  if (path === null || path.startsWith("//") || unsafeDecodedPath.test(path)) return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/** Null when the path's percent-escapes are not well-formed UTF-8 (no page of ours has such a path). */
function decodedPath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
