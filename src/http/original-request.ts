import { type AllowedHosts, hostAllowed } from "./allowed-hosts.ts";
import { comparablePath } from "./authz-rules.ts";

/**
 * @module
 * The request a proxy asks the verify endpoint about, read from the headers the proxy adds:
 *  - nginx `auth_request`: `X-Original-URL` (absolute) and `X-Original-Method`; nginx accepts only 2xx,
 *    401 and 403 from the auth service, so these requests are answered in that style ("auth-request").
 *  - Caddy `forward_auth`, Traefik `forwardAuth`: `X-Forwarded-Proto`, `-Host`, `-Uri`, `-Method`; these
 *    proxies hand a refusal to the client as it is, so a browser may be redirected ("forwarded").
 * The headers are believed only when the connection comes from a trusted proxy (the caller decides, from
 * TRUST_PROXY); from anyone else they are ignored, as if absent. A request that carries both styles, or
 * a header twice, or a URL that is not absolute, has userinfo, a backslash, whitespace or a non-ASCII
 * character, a scheme other than the public URL's, or a host that is neither the public host nor an
 * allowed one, is invalid: the caller answers 400, so no spelling of a URL is judged by guesswork.
 */
export type ProxyStyle = "auth-request" | "forwarded";

export interface OriginalRequest {
  readonly url: URL;
  /** comparablePath() of the URL's path, for the rules. */
  readonly path: string;
  /** Upper case; GET when the proxy does not say. */
  readonly method: string;
  readonly style: ProxyStyle;
}

export type OriginalRequestRead =
  | { readonly kind: "absent" }
  | { readonly kind: "invalid"; readonly detail: string }
  | ({ readonly kind: "found" } & OriginalRequest);

export interface OriginalRequestPolicy {
  readonly publicUrl: URL;
  readonly allowedHosts: AllowedHosts;
}

const forwardedStyleHeaders = ["x-forwarded-host", "x-forwarded-uri", "x-forwarded-method"] as const;

/** Printable ASCII without space or backslash: what a URL in a request line or a Host header can be. */
const plainUrlText = /^[\x21-\x5b\x5d-\x7e]+$/;

/** The values of the headers read here, each apart (a repeated header is two values, never one joined). */
type DistinctHeaders = Readonly<Record<string, readonly string[]>>;

const readHeaders = new Set(["x-original-url", "x-original-method", "x-forwarded-proto", ...forwardedStyleHeaders]);

/** `rawHeaders` as Node gives it: name, value, name, value, ... in the order received. */
export function readOriginalRequest(
  rawHeaders: readonly string[],
  fromTrustedProxy: boolean,
  policy: OriginalRequestPolicy,
): OriginalRequestRead {
  if (!fromTrustedProxy) return { kind: "absent" };
  const headers = distinct(rawHeaders);
  const original = single(headers, "x-original-url");
  const forwarded = forwardedStyleHeaders.some((name) => headers[name] !== undefined);
  if (original === null || forwarded === null) return invalid("a header is repeated");
  if (original !== undefined && forwarded) return invalid("both X-Original-URL and X-Forwarded-* are present");
  if (original !== undefined) return parse(original, single(headers, "x-original-method"), "auth-request", policy);
  if (!forwarded) return { kind: "absent" };
  const proto = single(headers, "x-forwarded-proto");
  const host = single(headers, "x-forwarded-host");
  const uri = single(headers, "x-forwarded-uri");
  if (proto === null || host === null || uri === null) return invalid("a header is repeated");
  if (proto === undefined || host === undefined) return invalid("X-Forwarded-Proto and X-Forwarded-Host are required");
  const path = uri ?? "/";
  if (!path.startsWith("/")) return invalid("X-Forwarded-Uri must be a path");
  if (!/^[a-z][a-z0-9+.-]*$/i.test(proto)) return invalid("X-Forwarded-Proto is not a scheme");
  return parse(`${proto}://${host}${path}`, single(headers, "x-forwarded-method"), "forwarded", policy);
}

function parse(
  text: string,
  methodText: string | null | undefined,
  style: ProxyStyle,
  policy: OriginalRequestPolicy,
): OriginalRequestRead {
  if (methodText === null) return invalid("a header is repeated");
  const method = methodText ?? "GET";
  if (!/^[A-Za-z]{1,16}$/.test(method)) return invalid("the original method is not a method");
  if (text.length > 8192 || !plainUrlText.test(text)) return invalid("the original URL holds characters no URL has");
  const parts = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([/?#].*)?$/i.exec(text);
  if (parts === null) return invalid("the original URL is not absolute");
  const [, scheme = "", authority = ""] = parts;
  if (authority.includes("@")) return invalid("the original URL has userinfo");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid("the original URL cannot be parsed");
  }
  if (`${scheme.toLowerCase()}:` !== policy.publicUrl.protocol || url.protocol !== policy.publicUrl.protocol) {
    return invalid("the original URL's scheme is not the public URL's");
  }
  // The host as written, not as the parser repairs it ("127.1", "0x7f.0.0.1", "EXAMPLE.com."): the host
  // judged is the one the request named.
  const writtenHost = authority.replace(/:\d*$/, "").toLowerCase();
  if (url.hostname !== writtenHost) return invalid("the original URL's host is not in its plain form");
  if (!hostAllowed(url.host, policy.publicUrl, policy.allowedHosts)) {
    return invalid("the original URL's host is not allowed");
  }
  const path = comparablePath(url.pathname);
  if (path === null) return invalid("the original URL's path cannot be judged");
  return { kind: "found", url, path, method: method.toUpperCase(), style };
}

function distinct(rawHeaders: readonly string[]): DistinctHeaders {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? "").toLowerCase();
    if (!readHeaders.has(name)) continue;
    const values = headers[name] ?? [];
    values.push(rawHeaders[i + 1] ?? "");
    headers[name] = values;
  }
  return headers;
}

/** undefined when absent, null when repeated. */
function single(headers: DistinctHeaders, name: string): string | undefined | null {
  const values = headers[name];
  if (values === undefined) return undefined;
  return values.length === 1 ? (values[0] ?? null) : null;
}

function invalid(detail: string): OriginalRequestRead {
  return { kind: "invalid", detail: `The original request cannot be judged: ${detail}.` };
}
