import type { WebhookEndpointRecord } from "./webhook-endpoint.ts";

/**
 * @module
 * One event for one endpoint, from its first attempt to its end (delivered, or failed past the schedule).
 * The row names its event by key and its user by id only: the payload stays in `events`.
 */
export type DeliveryStatus = "pending" | "delivered" | "failed";

/** A delivery the worker has claimed: what it needs to send it. */
export interface DueDelivery {
  readonly id: string;
  readonly endpoint: Pick<WebhookEndpointRecord, "id" | "url" | "secret" | "previousSecret" | "previousSecretUntil">;
  readonly eventId: string;
  /** Attempts made before this one. */
  readonly attempts: number;
  /** The event's payload exactly as stored; null when retention pruned the event first. */
  readonly payload: string | null;
}

/** How an attempt ended, as the delivery row records it. */
export interface AttemptRecord {
  readonly status: DeliveryStatus;
  readonly attemptedAt: number;
  /** For a pending delivery: when it is due again. */
  readonly nextAttemptAt: number;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  /** A bounded snippet of the response or the error, secret-looking content cut (boundedSnippet). */
  readonly error: string | null;
  /** Set: the endpoint is disabled for this reason in the same transaction. */
  readonly disableEndpoint: string | null;
}

/** A delivery as the delivery log shows it. */
export interface DeliveryRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly userId: string;
  readonly auditSeq: number;
  readonly ordinal: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastLatencyMs: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
}

/** What the sender reports of one POST. */
export type SendOutcome =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly retryAfter: string | null;
      readonly snippet: string;
      readonly latencyMs: number;
    }
  | { readonly kind: "error"; readonly error: string; readonly latencyMs: number };

export const snippetMaxLength = 300;

/**
 * Text from a receiver or an error, fit to keep: control characters out, anything that looks like a secret
 * (a webhook secret, an API or session token, a bearer credential, a long base64 or hex run) cut, bounded.
 */
export function boundedSnippet(text: string): string {
  const cut = text
    .slice(0, 4 * snippetMaxLength)
    .replace(/\p{Cc}+/gu, " ")
    .replace(/whsec_[A-Za-z0-9+/=]*/g, "[cut]")
    .replace(/gatehouse_[A-Za-z0-9_-]*/g, "[cut]")
    .replace(/(bearer|basic)\s+\S+/gi, "$1 [cut]")
    .replace(/[A-Za-z0-9+/_=-]{32,}/g, "[cut]");
  return cut.length > snippetMaxLength ? `${cut.slice(0, snippetMaxLength)}…` : cut;
}
