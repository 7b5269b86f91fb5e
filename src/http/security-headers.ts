/**
 * @module
 * The security headers on every response (ASVS 3.4, 14.3.2), precomputed once: @fastify/helmet rebuilt
 * them (the CSP string included) on every request, which cost two thirds of the throughput of a bare route
 * (docs/perf-history.md, "Optimizations"). Nothing here depends on the request, so frozen objects serve
 * every response: the full set helmet produced for the pages, and for the JSON API the set the OWASP REST
 * Security Cheat Sheet lists, with a CSP that allows nothing at all.
 */
import { type AllowedHosts, formActionSources } from "./allowed-hosts.ts";
import { isScimPath } from "./scim/scim-path.ts";

function contentSecurityPolicy(formAction: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${["'self'", ...formAction].join(" ")}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

export const pageSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  "Content-Security-Policy": contentSecurityPolicy([]),
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Origin-Agent-Cluster": "?1",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-DNS-Prefetch-Control": "off",
  "X-Download-Options": "noopen",
  "X-Frame-Options": "DENY",
  "X-Permitted-Cross-Domain-Policies": "none",
  "X-XSS-Protection": "0",
  // Responses may carry personal data or set cookies: no shared or browser cache keeps them. The two
  // static assets (stylesheet, icon) override this on their own routes.
  "Cache-Control": "no-store",
});

/**
 * The sign-in page's set, computed once per app: Chromium applies `form-action` to the redirects that
 * follow a form's submission too, so the sign-in form may lead to the allowed hosts its 303 returns to
 * (return-url.ts). Every other page keeps `form-action 'self'`: none of their redirects leaves Gatehouse.
 */
export function signInSecurityHeaders(publicUrl: URL, allowed: AllowedHosts): Readonly<Record<string, string>> {
  if (allowed.length === 0) return pageSecurityHeaders;
  return Object.freeze({
    ...pageSecurityHeaders,
    "Content-Security-Policy": contentSecurityPolicy(formActionSources(publicUrl, allowed)),
  });
}

/**
 * JSON answers are never documents a browser renders, so the headers that only govern documents (opener
 * policy, origin-agent clustering, DNS prefetch, download and cross-domain policies, the retired XSS
 * auditor) are left off: six fewer headers on every API response, a measurable share of the session check's
 * throughput (docs/perf-history.md). What stays guards a JSON body wherever it lands: no script, frame or form may ever
 * run from it, no other origin may embed or read it (CORP), nothing caches it, nothing sniffs it.
 */
export const apiSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
});

/**
 * API and health answers are JSON; every other path answers people (pages, their error pages, assets).
 * Given a route pattern or a decoded path within Gatehouse (http/route-path.ts: without PUBLIC_URL's path
 * prefix), never the raw URL: `/%61pi/...` is `/api/...`.
 */
/** The API's reference for people: a page, though it lives beside the API it describes. */
export const apiReferencePath = "/api/docs";

export function isApiPath(path: string): boolean {
  return (path.startsWith("/api/") && path !== apiReferencePath) || path === "/healthz";
}

/** SCIM answers are JSON too (application/scim+json): the API's set. */
export function securityHeadersFor(path: string): Readonly<Record<string, string>> {
  return isApiPath(path) || isScimPath(path) ? apiSecurityHeaders : pageSecurityHeaders;
}
