/**
 * @module
 * The one registry of stable error codes. Every refusal Gatehouse gives names one of these codes;
 * the HTTP edge renders them as RFC 9457 problem+json, the CLI prints them. Codes never change once
 * released (clients branch on them); titles may be reworded. Documented in docs/errors.md.
 */
export const errorCodes = {
  VALIDATION_FAILED: { status: 400, title: "The request is not valid." },
  MALFORMED_BODY: { status: 400, title: "The request body could not be parsed." },
  ORIGINAL_URL_INVALID: { status: 400, title: "The proxy's original URL cannot be judged." },
  INVALID_FILTER: { status: 400, title: "The SCIM filter is not valid or uses what Gatehouse does not support." },
  INVALID_PATH: {
    status: 400,
    title: "The SCIM PATCH path is malformed or names an attribute Gatehouse does not have.",
  },
  NO_TARGET: { status: 400, title: "The SCIM PATCH path's filter matches no value." },
  IMMUTABLE_ATTRIBUTE: { status: 400, title: "This attribute cannot be set or changed through SCIM." },
  UNSUPPORTED_ATTRIBUTE: { status: 400, title: "Gatehouse does not keep this attribute: SCIM cannot set it." },
  RECOVERY_LINK_INVALID: {
    status: 400,
    title: "This recovery link is not valid: it may have expired or been used. Ask for a new one.",
  },
  SIGNUP_LINK_INVALID: {
    status: 400,
    title: "This sign-up link is not valid: it may have expired or been used. Sign up again.",
  },
  AMBIGUOUS_CREDENTIALS: { status: 400, title: "Send a session cookie or an API token, not both." },
  UNAUTHENTICATED: { status: 401, title: "Sign in to continue." },
  INVALID_TOKEN: { status: 401, title: "The API token is missing, malformed, unknown, expired or revoked." },
  INVALID_CREDENTIALS: { status: 401, title: "The e-mail address or password is incorrect." },
  WRONG_PASSWORD: { status: 403, title: "The password is incorrect." },
  FORBIDDEN: { status: 403, title: "You do not have permission to do this." },
  // Said only after the correct password (accounts.ts logIn): to anyone else the account answers as any other.
  ACCOUNT_DISABLED: { status: 403, title: "This account is disabled. Ask an administrator to enable it." },
  ACCOUNT_DELETION_PENDING: {
    status: 403,
    title: "This account is scheduled for deletion. Ask an administrator to restore it.",
  },
  INSUFFICIENT_SCOPE: { status: 403, title: "The API token's scopes do not allow this." },
  SIGNUP_CLOSED: { status: 403, title: "Sign-up is closed on this server." },
  REAUTH_REQUIRED: { status: 403, title: "Confirm your password to do this." },
  CSRF_REJECTED: { status: 403, title: "The request was refused as a possible cross-site request forgery." },
  NOT_FOUND: { status: 404, title: "Nothing is here." },
  MAIL_NOT_CONFIGURED: {
    status: 404,
    title: "This server sends no e-mail: ask an administrator for a recovery link.",
  },
  SESSION_NOT_FOUND: { status: 404, title: "No such session." },
  TOKEN_NOT_FOUND: { status: 404, title: "No such API token." },
  USER_NOT_FOUND: { status: 404, title: "No such user." },
  WEBHOOK_NOT_FOUND: { status: 404, title: "No such webhook endpoint." },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, title: "No such delivery for this webhook endpoint." },
  WEBHOOK_DISABLED: { status: 409, title: "The webhook endpoint is disabled; enable it first." },
  WEBHOOK_DELIVERY_IN_FLIGHT: { status: 409, title: "This delivery is being sent right now; try again shortly." },
  METHOD_NOT_ALLOWED: { status: 405, title: "This method is not allowed here." },
  EMAIL_TAKEN: { status: 409, title: "An account with this e-mail address already exists." },
  EXTERNAL_ID_TAKEN: { status: 409, title: "Another account already has this externalId." },
  LAST_SUPERUSER: { status: 409, title: "The last active superuser cannot be removed, disabled or demoted." },
  SELF_ACTION_FORBIDDEN: {
    status: 409,
    title: "Use your own account page to do this to yourself.",
  },
  USER_NOT_RESTORABLE: { status: 409, title: "This user has no deletion to undo." },
  USER_DISABLED: { status: 409, title: "This account is disabled: enable it first." },
  DELETION_PENDING: { status: 409, title: "This account is scheduled for deletion: restore it instead." },
  EVENTS_CURSOR_EXPIRED: {
    status: 410,
    title: "Events after this cursor were pruned: resynchronise, then read from a new cursor.",
  },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Send a JSON body (Content-Type: application/json)." },
  RATE_LIMITED: { status: 429, title: "Too many attempts. Wait and try again." },
  INTERNAL: { status: 500, title: "Something went wrong on our side." },
  // A verdict, not a response: /api/audit/verify answers it with 200; the CLI and the audit page print it.
  AUDIT_LOG_BROKEN: { status: 500, title: "The audit log fails verification." },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** An expected refusal, carried as a value through the domain and thrown only at the edge. */
export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly detail?: string;
  /** For RATE_LIMITED: when to try again (the edge sends it as Retry-After). */
  readonly retryAfterSeconds?: number;
  /** For ACCOUNT_DELETION_PENDING: the end of the grace period (epoch ms), for a page to say in its own words. */
  readonly restorableUntil?: number;
}

/**
 * What a use case answers when it goes ahead: `Ok<{ user: UserRecord }> | Refusal`. The `ok` tag is what
 * callers branch on, so every use case spells its outcome through this one type and `Refusal`.
 */
export type Ok<T extends object = object> = { readonly ok: true } & T;

export function refuse(code: ErrorCode, detail?: string): Refusal {
  return detail === undefined ? { ok: false, code } : { ok: false, code, detail };
}

export function rateLimitedRefusal(waitMs: number): Refusal {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return { ok: false, code: "RATE_LIMITED", detail: `Try again in ${seconds} seconds.`, retryAfterSeconds: seconds };
}
