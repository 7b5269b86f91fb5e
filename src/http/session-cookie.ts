import type { FastifyReply } from "fastify";

/**
 * @module
 * The session cookie: HttpOnly, SameSite=Lax, Path=/. When the public URL is https it is also Secure.
 * Without COOKIE_DOMAIN it has no Domain and, on https, the __Host- prefix, which browsers only accept
 * with exactly those attributes, so no sibling subdomain can set or shadow it. With COOKIE_DOMAIN it is
 * sent to every host under that domain (an app on a sibling subdomain behind a forward-auth proxy): it
 * then carries Domain and, on https, the __Secure- prefix (__Host- forbids a Domain). Max-Age matches the
 * absolute session lifetime. Setting and clearing use the one attribute set below: a deletion with other
 * attributes is another cookie to the browser, and the session cookie would outlive it.
 */
export interface SessionCookie {
  readonly name: string;
  readonly secure: boolean;
  /** COOKIE_DOMAIN, or null for a host-only cookie. */
  readonly domain: string | null;
  readonly maxAgeSeconds: number;
}

export function sessionCookieFor(publicUrl: URL, absoluteMs: number, domain: string | null = null): SessionCookie {
  const secure = publicUrl.protocol === "https:";
  const prefix = secure ? (domain === null ? "__Host-" : "__Secure-") : "";
  return { name: `${prefix}gatehouse_session`, secure, domain, maxAgeSeconds: Math.floor(absoluteMs / 1000) };
}

function attributes(cookie: SessionCookie) {
  return {
    httpOnly: true,
    sameSite: "lax",
    secure: cookie.secure,
    path: "/",
    ...(cookie.domain === null ? {} : { domain: cookie.domain }),
  } as const;
}

export function setSessionCookie(reply: FastifyReply, cookie: SessionCookie, token: string): void {
  reply.setCookie(cookie.name, token, { ...attributes(cookie), maxAge: cookie.maxAgeSeconds });
}

/**
 * Ends the client's session: the cookie is cleared, and Clear-Site-Data makes the browser drop cookies,
 * storage and cached authenticated pages too. Never the cookie alone: ClientSession (client-session.ts)
 * is the one caller, for every act that ends this client's session, from the API or a page.
 */
export function endClientSession(reply: FastifyReply, cookie: SessionCookie): void {
  reply.clearCookie(cookie.name, attributes(cookie));
  reply.header("Clear-Site-Data", '"cache", "cookies", "storage"');
}
