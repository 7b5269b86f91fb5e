import type { EventType } from "../domain/events/user-event.ts";
import type { AttemptLogEntry, DeliveryRecord, DeliveryStatus } from "../domain/webhooks/webhook-delivery.ts";
import type { WebhookEndpointRecord } from "../domain/webhooks/webhook-endpoint.ts";

/** The webhook tables' columns and their rows as records, shared by both engines (migration 7 explains them). */
export const endpointColumns =
  "id, url, description, event_types, enabled, disabled_reason, secret, previous_secret, previous_secret_until, created_at";

export interface EndpointRow {
  id: string;
  url: string;
  description: string;
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: number | null;
  created_at: number;
}

export const nullableNumber = (value: number | null): number | null => (value === null ? null : Number(value));

export function toEndpoint(row: EndpointRow): WebhookEndpointRecord {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    // Only webhook-admin.ts writes this column, with event types it checked.
    eventTypes: row.event_types === "" ? [] : (row.event_types.split(" ") as EventType[]),
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil: nullableNumber(row.previous_secret_until),
    createdAt: Number(row.created_at),
  };
}

export const deliveryColumns =
  "id, endpoint_id, event_id, event_type, user_id, audit_seq, ordinal, status, attempts, next_attempt_at, claimed_until, last_attempt_at, last_status, last_latency_ms, last_error, delivered_at";

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  user_id: string;
  audit_seq: number;
  ordinal: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    // Copied from the event, which only the use cases write.
    eventType: row.event_type as EventType,
    userId: row.user_id,
    auditSeq: Number(row.audit_seq),
    ordinal: Number(row.ordinal),
    // The CHECK constraint admits these three only.
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    claimedUntil: Number(row.claimed_until),
    lastAttemptAt: nullableNumber(row.last_attempt_at),
    lastStatus: nullableNumber(row.last_status),
    lastLatencyMs: nullableNumber(row.last_latency_ms),
    lastError: row.last_error,
    deliveredAt: nullableNumber(row.delivered_at),
  };
}

export interface AttemptRow {
  attempt: number;
  attempted_at: number;
  http_status: number | null;
  latency_ms: number;
  error: string | null;
}

export function toAttempt(row: AttemptRow): AttemptLogEntry {
  return {
    attempt: Number(row.attempt),
    attemptedAt: Number(row.attempted_at),
    httpStatus: nullableNumber(row.http_status),
    latencyMs: Number(row.latency_ms),
    error: row.error,
  };
}
