import type { EventType } from "../events/user-event.ts";
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

/** One attempt as the delivery log keeps it (webhook_attempts), numbered from 1 over the delivery's life. */
export interface AttemptLogEntry {
  readonly attempt: number;
  readonly attemptedAt: number;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

/** What recording an attempt did: null when the delivery is gone (its endpoint was deleted meanwhile). */
export interface FinishedAttempt {
  readonly endpointId: string;
  /** True when this attempt disabled the endpoint (it was enabled until now). */
  readonly disabledEndpoint: boolean;
}

/** Which deliveries a log page holds: newest event first, before a position, of one status or any. */
export interface DeliveryQuery {
  readonly status: DeliveryStatus | null;
  readonly before: { readonly auditSeq: number; readonly ordinal: number } | null;
  readonly limit: number;
}

/** A delivery as the delivery log shows it. */
export interface DeliveryRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly userId: string;
  readonly auditSeq: number;
  readonly ordinal: number;
  readonly status: DeliveryStatus;
  /** Attempts of the current schedule (a manual redelivery starts a new one); the log keeps every attempt. */
  readonly attempts: number;
  readonly nextAttemptAt: number;
  /** While an instance is sending it: until when its claim holds; 0 when unclaimed. */
  readonly claimedUntil: number;
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
