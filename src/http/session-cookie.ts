import type { FastifyReply } from "fastify";

/**
 * @module
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, no Domain. When the public URL is https it is also
 * Secure and carries the __Host- prefix, which browsers only accept with exactly those attributes, so no
 * sibling subdomain can set or shadow it. Max-Age matches the absolute session lifetime.
 */
export interface SessionCookie {
  readonly name: string;
  readonly secure: boolean;
  readonly maxAgeSeconds: number;
}

export function sessionCookieFor(publicUrl: URL, absoluteMs: number): SessionCookie {
  const secure = publicUrl.protocol === "https:";
  return {
    name: secure ? "__Host-gatehouse_session" : "gatehouse_session",
    secure,
    maxAgeSeconds: Math.floor(absoluteMs / 1000),
  };
}

export function setSessionCookie(reply: FastifyReply, cookie: SessionCookie, token: string): void {
  reply.setCookie(cookie.name, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: cookie.secure,
    path: "/",
    maxAge: cookie.maxAgeSeconds,
  });
}

/**
 * Ends the client's session: the cookie is cleared, and Clear-Site-Data makes the browser drop cookies,
 * storage and cached authenticated pages too. Never the cookie alone: ClientSession (client-session.ts)
 * is the one caller, for every act that ends this client's session, from the API or a page.
 */
export function endClientSession(reply: FastifyReply, cookie: SessionCookie): void {
  reply.clearCookie(cookie.name, { httpOnly: true, sameSite: "lax", secure: cookie.secure, path: "/" });
  reply.header("Clear-Site-Data", '"cache", "cookies", "storage"');
}
