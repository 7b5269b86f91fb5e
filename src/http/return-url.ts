import { type AllowedHosts, hostAllowed } from "./allowed-hosts.ts";

/**
 * Longer return URLs are refused: the sign-in form and its query carry at most this many characters. Room
 * for an app's original URL (the verify endpoint's `next`), well under what proxies allow in a request line.
 */
export const maxReturnUrlLength = 2000;

/**
 * Control (C0, DEL, C1), format (zero-width, bidi overrides), surrogate, private-use and unassigned code
 * points, every space and separator, and the backslash. URL parsers silently drop tabs and newlines and
 * read "\" as "/" (so "/<TAB>/evil" and "/\evil" become "//evil", another host), a browser may render
 * invisible ones as nothing, and a CR or LF in a Location header is a 500 or a split response. None of
 * them is in a URL this server ever sends a browser back to.
 */
const unsafeRaw = /[\p{C}\p{Z}\\]/u;
/** The same, once percent-escapes are decoded (once, and again: `%252F` is `%2F` is "/"), in the path only:
 * a proxy, router or app that decodes it again must not find "//", "\" or a control character there either.
 * The query and fragment are data. */
const unsafeDecodedPath = /[\p{Cc}\p{Cf}\\]/u;

/**
 * Where a browser may be sent after signing in (no open redirect, ASVS 5.1.5). Two forms are accepted:
 *  - a path on the public origin: it starts with a single "/" (`/account`, or an app's `/dashboard` beside
 *    a Gatehouse under `/auth`), and resolving it against the public origin gives that origin;
 *  - an absolute URL (what a forward-auth proxy's sign-in redirect carries): it starts with exactly the
 *    public URL's scheme and "//" in lower case (so `HTTPS:`, `https:/x`, `https:\\`, `https:evil` and
 *    `//evil` are refused), its authority as written is the host the parser reads, character for character
 *    (so no userinfo `@`, no `%2e` or IDN the parser would rewrite into another name, no default port
 *    spelled out, no upper case), and that host is the public host or an allowed one (allowed-hosts.ts:
 *    with the port the entry names, or none).
 * Either way it contains none of the characters above (raw, or percent-encoded in its path), and its
 * decoded path does not start with "//". The answer is the parser's own serialization, so what the browser
 * follows is exactly what was checked. Anything else is null and the caller falls back to its default page.
 */
export function returnUrl(next: unknown, publicUrl: URL, allowed: AllowedHosts): string | null {
  if (typeof next !== "string" || next.length > maxReturnUrlLength || unsafeRaw.test(next)) return null;
  if (next.startsWith("/")) return next.startsWith("//") ? null : pathOnOrigin(next, publicUrl);
  return absoluteUrl(next, publicUrl, allowed);
}

function pathOnOrigin(next: string, publicUrl: URL): string | null {
  const resolved = parsed(next, publicUrl.origin);
  if (resolved === null || resolved.origin !== publicUrl.origin || !safePath(resolved)) return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

function absoluteUrl(next: string, publicUrl: URL, allowed: AllowedHosts): string | null {
  const scheme = `${publicUrl.protocol}//`;
  if (!next.startsWith(scheme)) return null;
  const rest = next.slice(scheme.length);
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const url = parsed(next);
  if (url === null || url.protocol !== publicUrl.protocol || url.host !== authority) return null;
  if (url.username !== "" || url.password !== "" || !hostAllowed(url.host, publicUrl, allowed)) return null;
  return safePath(url) ? url.href : null;
}

function parsed(text: string, base?: string): URL | null {
  try {
    return new URL(text, base);
  } catch {
    return null;
  }
}

function safePath(url: URL): boolean {
  const once = decodedPath(url.pathname);
  if (once === null || !safeDecoded(once)) return false;
  // A second decoding that fails leaves nothing a double-decoder could read as a separator.
  const twice = decodedPath(once);
  return twice === null || safeDecoded(twice);
}

function safeDecoded(path: string): boolean {
  return !path.startsWith("//") && !unsafeDecodedPath.test(path);
}

/** Null when the path's percent-escapes are not well-formed UTF-8 (no page of ours has such a path). */
function decodedPath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
