/**
 * @module
 * What the HTTP app is built from: the use cases' dependencies, the server's own settings, and its limits.
 */
import type { FastifyServerOptions } from "fastify";
import type { Deps } from "../domain/deps.ts";
import type { AllowedHosts } from "./allowed-hosts.ts";
import type { AuthzRule } from "./authz-rules.ts";
import type { TrustedProxies } from "./trusted-proxies.ts";

export interface Limits {
  /** Password verdicts (right or wrong) and sign-ups per minute per client address. */
  readonly passwordAttemptsPerIpPerMinute: number;
  /** Failed password attempts on one account from one address within the window before 429. */
  readonly failuresPerAccount: number;
  /** Failed password attempts on one account from all addresses together within the window before 429. */
  readonly failuresPerAccountAllAddresses: number;
  readonly failureWindowMs: number;
  /**
   * Audited acts on one's own account per account per minute (profile, sign-out, ending sessions): each
   * writes an audit row, so each is limited; 60 is more than a person clicks.
   */
  readonly accountActsPerMinute: number;
  /** The same acts from one address (IPv4, or IPv6 /64), whichever accounts they come from. */
  readonly accountActsPerAddressPerMinute: number;
  /** Failed API-token authentications per client address per minute; past it every bearer request waits. */
  readonly failedTokensPerAddressPerMinute: number;
  readonly bodyLimitBytes: number;
  /** "Forgot password?" requests per client address per minute; past it 429 for every address alike. */
  readonly mailRequestsPerAddressPerMinute: number;
  /** E-mails to one address (its key) per hour, whatever the kind; past it the same answer and no mail. */
  readonly mailsPerRecipientPerHour: number;
}

export const defaultLimits: Limits = {
  passwordAttemptsPerIpPerMinute: 30,
  failuresPerAccount: 10,
  failuresPerAccountAllAddresses: 100,
  failureWindowMs: 15 * 60_000,
  accountActsPerMinute: 60,
  accountActsPerAddressPerMinute: 100,
  failedTokensPerAddressPerMinute: 20,
  bodyLimitBytes: 16 * 1024,
  mailRequestsPerAddressPerMinute: 10,
  mailsPerRecipientPerHour: 3,
};

export interface AppOptions {
  readonly deps: Deps;
  /** Its path, when it has one, prefixes every route (route-path.ts `basePathOf`). */
  readonly publicUrl: URL;
  /** Hosts besides the public one a sign-in may return to; none unless given. */
  readonly allowedHosts?: AllowedHosts;
  /** The session cookie's Domain (COOKIE_DOMAIN); host-only unless given. */
  readonly cookieDomain?: string | null;
  readonly secret: Buffer;
  readonly logger?: FastifyServerOptions["logger"];
  /** Two log lines per request (received, completed) at info level; off unless asked for. */
  readonly logRequests?: boolean;
  readonly trustProxy?: TrustedProxies;
  /** The verify endpoint's host/path rules (AUTHZ_RULES). */
  readonly authzRules?: readonly AuthzRule[];
  readonly limits?: Partial<Limits>;
}
