import type { preHandlerAsyncHookHandler } from "fastify";
import type { Deps } from "../domain/deps.ts";
import type { TokenChannel } from "../domain/tokens/api-token.ts";
import type { AllowedHosts } from "./allowed-hosts.ts";
import type { AuthzRule } from "./authz-rules.ts";
import type { MailThrottles } from "./mail-throttle.ts";
import type { PasswordThrottles } from "./password-throttle.ts";
import type { TokenGuard } from "./route-policy.ts";
import type { SessionCookie } from "./session-cookie.ts";
import type { TrustedProxies } from "./trusted-proxies.ts";

/** What route handlers share: the use cases' dependencies and the edge's own settings. */
export interface RouteContext {
  readonly deps: Deps;
  /** The URL the server answers on (PUBLIC_URL): its origin is the one the CSRF check trusts. */
  readonly publicUrl: URL;
  /** PUBLIC_URL's path without its trailing slash ("" at the root): every route, link and redirect starts with it. */
  readonly basePath: string;
  /** Hosts besides the public one a sign-in may return to (return-url.ts) and the verify endpoint judges. */
  readonly allowedHosts: AllowedHosts;
  /** The sign-in page's headers: the page set with `form-action` widened to the allowed hosts. */
  readonly signInHeaders: Readonly<Record<string, string>>;
  readonly cookie: SessionCookie;
  /** The proxies whose original-URL headers the verify endpoint believes (TRUST_PROXY). */
  readonly trustProxy: TrustedProxies;
  /** The verify endpoint's host/path rules (AUTHZ_RULES). */
  readonly authzRules: readonly AuthzRule[];
  readonly csrfKey: Buffer;
  /** The password budgets; every password check draws on them through throttledPasswordCheck. */
  readonly throttles: PasswordThrottles;
  /** Sign-up's draw on the per-address password budget (it hashes a password without checking one). */
  readonly signupRateLimit: preHandlerAsyncHookHandler;
  /** Per-account limit on the audited acts every signed-in user may do to their own account. */
  readonly accountActLimit: preHandlerAsyncHookHandler;
  /** The mail budgets (http/mail-throttle.ts): requests per client address, messages per recipient. */
  readonly mail: MailThrottles;
  /** The bearer check for a token-accepting group on a channel (http/bearer-auth.ts), one failure budget per app. */
  readonly tokens: (channel: TokenChannel) => TokenGuard;
}
