import type { RouteOptions } from "fastify";

/**
 * @module
 * The response headers a client acts on, documented on the operations that send them. Which ones a route
 * sends it says in `config.answerHeaders` (and `unauthenticatedHeaders` for its 401); Retry-After on every
 * 429 and Location on every 201, 302 and 303 need no
 * saying. A header documented as required is checked on every answer the test suite gets.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** Headers every success of this route carries (a session cookie set or ended, a counted limit). */
    answerHeaders?: readonly SuccessHeader[];
    /** Headers this route's 401 carries (the verify endpoint's challenge and sign-in link). */
    unauthenticatedHeaders?: readonly DocumentedHeader[];
  }
}

interface HeaderObject {
  readonly description: string;
  readonly required: boolean;
  readonly schema: Readonly<Record<string, unknown>>;
}

const countHeader = (description: string): HeaderObject => ({
  description,
  required: true,
  schema: { type: "integer", minimum: 0, maximum: 1_000_000 },
});

/** Always sent, empty or not: some proxies copy a literal placeholder upstream for a missing header. */
function identityHeader(description: string): HeaderObject {
  return { description, required: true, schema: { type: "string", maxLength: 500 } };
}

export const documentedHeaders = {
  "Retry-After": {
    header: countHeader("Seconds to wait before trying again."),
  },
  Location: {
    header: {
      description: "The new resource.",
      required: true,
      schema: { type: "string", format: "uri-reference", maxLength: 500 },
    },
  },
  "Set-Cookie": {
    header: {
      description: "The new session cookie (HttpOnly, SameSite=Lax; Secure with the __Host- prefix over https).",
      required: true,
      schema: { type: "string", maxLength: 500 },
    },
  },
  "Clear-Site-Data": {
    header: {
      description: 'The client\'s session ended: `"cache", "cookies", "storage"`, and the cookie is cleared.',
      required: true,
      schema: { type: "string", maxLength: 100 },
    },
  },
  "WWW-Authenticate": {
    header: {
      description:
        "The challenge. From the verify endpoint: sign in with the form at `form-action`. From a route that takes API " +
        'tokens: `Bearer realm="gatehouse", error="invalid_token"` (RFC 6750), for every 401 alike.',
      required: true,
      schema: { type: "string", maxLength: 2500 },
    },
  },
  "Remote-User": { header: identityHeader("The signed-in user's id.") },
  "Remote-Email": { header: identityHeader("Their e-mail address.") },
  "Remote-Name": { header: identityHeader("Their display name; empty when they have none.") },
  "Remote-Groups": { header: identityHeader("Their role: user, admin or superuser.") },
  "X-RateLimit-Limit": { header: countHeader("Acts allowed per window.") },
  "X-RateLimit-Remaining": { header: countHeader("Acts left in this window.") },
  "X-RateLimit-Reset": { header: countHeader("Seconds until the window starts again.") },
} as const satisfies Record<string, { header: HeaderObject }>;

export type DocumentedHeader = keyof typeof documentedHeaders;
export type SuccessHeader = "Set-Cookie" | "Clear-Site-Data" | "RateLimit" | "Identity";

const rateLimitHeaders: readonly DocumentedHeader[] = [
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-RateLimit-Reset",
];
const identityHeaders: readonly DocumentedHeader[] = ["Remote-User", "Remote-Email", "Remote-Name", "Remote-Groups"];

/** The documented headers of one answer of a route. */
export function headersOf(route: Pick<RouteOptions, "config">, status: number): DocumentedHeader[] {
  if (status === 429) return ["Retry-After"];
  if (status === 401) {
    const declared = route.config?.unauthenticatedHeaders ?? [];
    return route.config?.acceptsTokens === true
      ? [...new Set([...declared, "WWW-Authenticate" as const])]
      : [...declared];
  }
  if (status === 302 || status === 303) return ["Location"];
  if (status < 200 || status >= 300) return [];
  const headers: DocumentedHeader[] = status === 201 ? ["Location"] : [];
  for (const declared of route.config?.answerHeaders ?? []) {
    // 202: a request taken for later (sign-up with e-mail verification) starts no session.
    if (declared === "Set-Cookie" && status === 202) continue;
    if (declared === "RateLimit") headers.push(...rateLimitHeaders);
    else if (declared === "Identity") headers.push(...identityHeaders);
    else headers.push(declared);
  }
  return headers;
}
