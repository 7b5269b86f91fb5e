import { isIP } from "node:net";

/**
 * @module
 * Which hosts Gatehouse acts for besides its own: the public host (PUBLIC_URL) and the operator's list
 * (ALLOWED_HOSTS, parsed by config.ts `parseAllowedHosts`). An entry is an exact host name
 * (`app.example.com`) or, with a leading dot, every subdomain of one (`.example.com`: `a.example.com` and
 * `b.a.example.com`, not `example.com` itself nor `badexample.com`). Ports are not told apart: the
 * session cookie is not either, so every port of an allowed host already receives it.
 *
 * Hosts are compared in the WHATWG URL parser's form (lower case, IDNA A-labels, IPv6 in brackets), the
 * form the caller must already have: `hostAllowed` never parses.
 */
export type AllowedHosts = readonly string[];

export function hostAllowed(host: string, publicUrl: URL, allowed: AllowedHosts): boolean {
  if (host === "") return false;
  if (host === publicUrl.hostname) return true;
  // An address is one host: a suffix entry never reaches into it ("10.0.0.1" does not end in a domain).
  const isAddress = host.startsWith("[") || isIP(host) !== 0;
  return allowed.some((entry) =>
    entry.startsWith(".") ? !isAddress && host.length > entry.length && host.endsWith(entry) : host === entry,
  );
}
