/**
 * @module
 * The hosts besides the public one that a browser may be sent back to after signing in (ALLOWED_HOSTS,
 * parsed by `parseAllowedHosts` in src/config.ts): each an exact host (`app.example.com`) or every
 * subdomain of one (`.example.com`, which is not `example.com` itself), with a port only when the entry
 * names it. The scheme is always the public URL's: an https Gatehouse never sends anyone to plain http.
 */
export interface AllowedHost {
  /** A canonical host name (lower case, punycode) or IP literal, as the WHATWG URL parser writes it. */
  readonly hostname: string;
  /** "" for the scheme's default port, as `URL.port` has it. */
  readonly port: string;
  /** True for a `.example.com` entry: any host ending in `.example.com`, never the bare `example.com`. */
  readonly subdomains: boolean;
}

export type AllowedHosts = readonly AllowedHost[];

/**
 * Whether `host` (a URL's `host`: hostname and, when not the default, `:port`) is the public URL's host
 * or one the operator allowed. Only a host in the parser's own canonical form can match: `APP.example`,
 * `app.example:443`, `app.example.` or an unconverted IDN is not the text any entry was compared with,
 * so it is refused rather than guessed at.
 */
export function hostAllowed(host: string, publicUrl: URL, allowed: AllowedHosts): boolean {
  if (host === publicUrl.host) return true;
  const parsed = canonicalHost(host, publicUrl.protocol);
  if (parsed === null) return false;
  return allowed.some(
    (entry) =>
      entry.port === parsed.port &&
      (entry.subdomains ? parsed.hostname.endsWith(`.${entry.hostname}`) : parsed.hostname === entry.hostname),
  );
}

/** The hostname and port of a host the URL parser leaves exactly as written; null for anything else. */
export function canonicalHost(host: string, protocol: string): { hostname: string; port: string } | null {
  if (host === "" || /[^a-z0-9.:[\]-]/.test(host)) return null;
  let url: URL;
  try {
    url = new URL(`${protocol}//${host}/`);
  } catch {
    return null;
  }
  return url.host === host ? { hostname: url.hostname, port: url.port } : null;
}

/**
 * The CSP `form-action` sources for the allowed hosts, in the public URL's scheme. Chromium applies a
 * page's form-action to every redirect that follows the form's submission, so the sign-in page must list
 * where its 303 may lead; CSP's `*.example.com` means subdomains only, as a `.example.com` entry does.
 */
export function formActionSources(publicUrl: URL, allowed: AllowedHosts): string[] {
  return allowed.map(
    (entry) =>
      `${publicUrl.protocol}//${entry.subdomains ? "*." : ""}${entry.hostname}${entry.port === "" ? "" : `:${entry.port}`}`,
  );
}
