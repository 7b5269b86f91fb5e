import type { Actor, RequestMeta } from "../actor.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { EventType } from "../events/user-event.ts";
import { runWebhookAct, webhookAction } from "./webhook-act.ts";
import type { AttemptLogEntry, DeliveryRecord, DeliveryStatus } from "./webhook-delivery.ts";

/**
 * @module
 * An endpoint's delivery log (admins: `webhooks.manage`): its deliveries newest first with a cursor, one
 * delivery with every attempt (status, latency, the answer's snippet with secret-looking text cut), and a
 * manual redelivery, which starts the delivery on a new retry schedule.
 */
export interface DeliveryView {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly userId: string;
  readonly status: DeliveryStatus;
  /** Attempts of the current schedule. */
  readonly attempts: number;
  /** For a pending delivery: when it is tried next. */
  readonly nextAttemptAt: string | null;
  /** An instance is sending it right now. */
  readonly inFlight: boolean;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastLatencyMs: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  /** The log's position: pass it as `before` for the page after this delivery. */
  readonly position: string;
}

export interface AttemptView {
  readonly attempt: number;
  readonly attemptedAt: string;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

export function toDeliveryView(delivery: DeliveryRecord, now: number): DeliveryView {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    userId: delivery.userId,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === "pending" ? iso(delivery.nextAttemptAt) : null,
    inFlight: delivery.status === "pending" && delivery.claimedUntil > now,
    lastAttemptAt: iso(delivery.lastAttemptAt),
    lastStatus: delivery.lastStatus,
    lastLatencyMs: delivery.lastLatencyMs,
    lastError: delivery.lastError,
    deliveredAt: iso(delivery.deliveredAt),
    position: `${delivery.auditSeq}.${delivery.ordinal}`,
  };
}

function toAttemptView(attempt: AttemptLogEntry): AttemptView {
  return {
    attempt: attempt.attempt,
    attemptedAt: new Date(attempt.attemptedAt).toISOString(),
    httpStatus: attempt.httpStatus,
    latencyMs: attempt.latencyMs,
    error: attempt.error,
  };
}

export const deliveryPageMax = 100;

export interface DeliveryLogQuery {
  readonly status?: DeliveryStatus;
  /** A delivery's `position`: the page starts after it. */
  readonly before?: string;
  readonly limit?: number;
}

/** `<auditSeq>.<ordinal>`, as DeliveryView.position writes it; null when it is not one. */
function parsePosition(text: string): { auditSeq: number; ordinal: number } | null {
  const match = /^(\d{1,15})\.(\d{1,6})$/.exec(text);
  if (match === null) return null;
  return { auditSeq: Number(match[1]), ordinal: Number(match[2]) };
}

export async function listWebhookDeliveries(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  query: DeliveryLogQuery,
  meta: RequestMeta,
): Promise<Ok<{ deliveries: DeliveryView[]; nextBefore: string | null }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, webhookAction, null);
  if (denied !== null) return denied;
  const before = query.before === undefined ? null : parsePosition(query.before);
  const deny = (refusal: Refusal) => recordDenial(deps, actor, meta, webhookAction, null, refusal);
  if (query.before !== undefined && before === null) {
    return deny(refuse("VALIDATION_FAILED", "before is a delivery's position, such as 42.0."));
  }
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > deliveryPageMax) {
    return deny(refuse("VALIDATION_FAILED", `limit is 1 to ${deliveryPageMax}.`));
  }
  const endpoint = await deps.store.webhooks.getWebhookEndpoint(endpointId);
  if (endpoint === null) return deny(refuse("WEBHOOK_NOT_FOUND"));
  // One more than asked: whether a next page exists, without a count.
  const rows = await deps.store.webhooks.listWebhookDeliveries(endpointId, {
    status: query.status ?? null,
    before,
    limit: limit + 1,
  });
  const now = deps.clock.now();
  const deliveries = rows.slice(0, limit).map((row) => toDeliveryView(row, now));
  const last = deliveries.at(-1);
  return { ok: true, deliveries, nextBefore: rows.length > limit && last !== undefined ? last.position : null };
}

export async function getWebhookDelivery(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  deliveryId: string,
  meta: RequestMeta,
): Promise<Ok<{ delivery: DeliveryView; attempts: AttemptView[] }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, webhookAction, null);
  if (denied !== null) return denied;
  const deny = (refusal: Refusal) => recordDenial(deps, actor, meta, webhookAction, null, refusal);
  if ((await deps.store.webhooks.getWebhookEndpoint(endpointId)) === null) return deny(refuse("WEBHOOK_NOT_FOUND"));
  const found = await deps.store.webhooks.getWebhookDelivery(endpointId, deliveryId);
  if (found === null) return deny(refuse("WEBHOOK_DELIVERY_NOT_FOUND"));
  return {
    ok: true,
    delivery: toDeliveryView(found.delivery, deps.clock.now()),
    attempts: found.attempts.map(toAttemptView),
  };
}

/**
 * Sends a delivery again, now, on a fresh retry schedule, with the same webhook-id (receivers deduplicate
 * by it): after a receiver lost data, or to retry a failed one after its endpoint is fixed. Refused while an
 * attempt is in flight, and while the endpoint is disabled (enable it first: nothing would be sent).
 */
export function redeliverWebhook(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  deliveryId: string,
  meta: RequestMeta,
): Promise<Ok<{ delivery: DeliveryView }> | Refusal> {
  return runWebhookAct(
    deps,
    actor,
    meta,
    { endpointId, stepUp: false, problem: null },
    async (tx, acting, endpoint, now) => {
      const delivery = await tx.lockWebhookDelivery(endpoint.id, deliveryId);
      if (delivery === null) return refuse("WEBHOOK_DELIVERY_NOT_FOUND");
      if (!endpoint.enabled) return refuse("WEBHOOK_DISABLED");
      if (delivery.status === "pending" && delivery.claimedUntil > now) return refuse("WEBHOOK_DELIVERY_IN_FLIGHT");
      await tx.redeliverWebhook(delivery.id, now);
      await tx.appendAudit(
        auditEntry(acting, meta, now, {
          action: "webhooks.redeliver",
          outcome: "success",
          targetId: null,
          details: { endpointId: endpoint.id, deliveryId: delivery.id, eventId: delivery.eventId },
        }),
      );
      const again: DeliveryRecord = {
        ...delivery,
        status: "pending",
        attempts: 0,
        nextAttemptAt: now,
        claimedUntil: 0,
      };
      return { ok: true, delivery: toDeliveryView({ ...again, deliveredAt: null }, now) };
    },
  );
}

/**
 * The minute job's share: finished deliveries (and their attempts) of events retention has pruned, in
 * bounded batches, so the log lives as long as the events it points at. Pending ones stay until their next
 * attempt finds the event gone and fails them.
 */
export async function pruneDeliveryLog(deps: Pick<Deps, "store">, batch = 1_000): Promise<number> {
  let pruned = 0;
  for (;;) {
    const deleted = await deps.store.webhooks.pruneFinishedDeliveries(batch);
    pruned += deleted;
    if (deleted < batch) return pruned;
  }
}
