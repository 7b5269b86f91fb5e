/**
 * The security headers on every response (ASVS 3.4, 14.3.2). They are the set @fastify/helmet produced for
 * this app, precomputed once: helmet rebuilt them (the CSP string included) on every request, which cost
 * two thirds of the throughput of a bare route (bench/README.md, "security headers"). Nothing here depends
 * on the request, so one frozen object serves every response.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const securityHeaders: Readonly<Record<string, string>> = Object.freeze({
  "Content-Security-Policy": contentSecurityPolicy,
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
