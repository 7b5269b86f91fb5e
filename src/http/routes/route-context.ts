import type { preHandlerAsyncHookHandler } from "fastify";
import type { Deps } from "../../domain/context.ts";
import type { LoginThrottle } from "../../domain/login-throttle.ts";
import type { SessionCookie } from "../session-cookie.ts";

/** What route handlers share: the use cases' dependencies and the edge's own settings. */
export interface RouteContext {
  readonly deps: Deps;
  /** The origin the server answers on (PUBLIC_URL): the only place a browser is sent back to. */
  readonly publicUrl: URL;
  readonly cookie: SessionCookie;
  readonly csrfKey: Buffer;
  /** Failed password checks per account and address, and per account from anywhere. */
  readonly throttles: { readonly accountFromAddress: LoginThrottle; readonly account: LoginThrottle };
  /** Per-IP limit for every route that checks a password. */
  readonly passwordRateLimit: preHandlerAsyncHookHandler;
}
