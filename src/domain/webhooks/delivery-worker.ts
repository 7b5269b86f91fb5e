import { Webhook } from "standardwebhooks";
import { type Actor, noRequest } from "../actor.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import type { Deps } from "../deps.ts";
import type { WebhookSender } from "../ports.ts";
import { retryAfterMs, retryDelayMs } from "./delivery-schedule.ts";
import { type AttemptRecord, boundedSnippet, type DueDelivery, type SendOutcome } from "./webhook-delivery.ts";
import { signingSecrets, type WebhookEndpointRecord } from "./webhook-endpoint.ts";

/**
 * @module
 * The delivery worker: in the server process, never on the request path. Each round makes delivery rows for
 * events committed since each endpoint's cursor, claims the due ones (a claim that outlives a crashed
 * instance runs out and is taken again), POSTs each signed per Standard Webhooks, and records the outcome:
 * 2xx delivered; 410 disables the endpoint; anything else (3xx included: redirects are not followed) is tried
 * again on the schedule (delivery-schedule.ts), `Retry-After` honoured on 429 and 503, and past the schedule
 * the delivery fails and the endpoint is disabled with the reason. At least once, in order per user.
 */
export interface WorkerSettings {
  /** How often a round starts when the last found nothing to do. */
  readonly pollMs: number;
  /** Deliveries claimed and sent at once per round. */
  readonly batch: number;
  /** How long a claim holds: longer than any one attempt (the sender's timeout) can take. */
  readonly claimMs: number;
}

/** The Standard Webhooks headers of one attempt: `webhook-id` is the event's id, the same on every retry. */
export function signedHeaders(
  endpoint: Pick<WebhookEndpointRecord, "secret" | "previousSecret" | "previousSecretUntil">,
  messageId: string,
  body: string,
  now: number,
): Record<string, string> {
  const at = new Date(now);
  const signatures = signingSecrets(endpoint, now).map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    "content-type": "application/json",
    "user-agent": "Gatehouse-Webhooks",
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(now / 1_000)),
    "webhook-signature": signatures.join(" "),
  };
}

/** What one attempt's outcome means for the delivery and its endpoint. */
export function judgeAttempt(
  deps: Pick<Deps, "random">,
  delivery: DueDelivery,
  outcome: SendOutcome,
  attemptedAt: number,
): AttemptRecord {
  const base = { attemptedAt, latencyMs: outcome.latencyMs, nextAttemptAt: attemptedAt };
  if (outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300) {
    return { ...base, status: "delivered", httpStatus: outcome.status, error: null, disableEndpoint: null };
  }
  const httpStatus = outcome.kind === "response" ? outcome.status : null;
  const error = boundedSnippet(outcome.kind === "response" ? outcome.snippet : outcome.error);
  if (httpStatus === 410) {
    return { ...base, status: "failed", httpStatus, error, disableEndpoint: "the endpoint answered 410 Gone" };
  }
  const attemptsMade = delivery.attempts + 1;
  const scheduled = retryDelayMs(attemptsMade, deps.random);
  if (scheduled === null) {
    const why = httpStatus === null ? error : `HTTP ${httpStatus}`;
    return {
      ...base,
      status: "failed",
      httpStatus,
      error,
      disableEndpoint: `event ${delivery.eventId} failed ${attemptsMade} attempts over the retry schedule (last: ${why})`,
    };
  }
  const asked =
    outcome.kind === "response" && (httpStatus === 429 || httpStatus === 503)
      ? retryAfterMs(outcome.retryAfter, attemptedAt)
      : null;
  return {
    ...base,
    status: "pending",
    httpStatus,
    error,
    nextAttemptAt: attemptedAt + (asked ?? scheduled),
    disableEndpoint: null,
  };
}

/**
 * Records a round's outcomes, in one transaction (on SQLite one commit for the writer the requests need,
 * whatever the round's size). An endpoint disabled by one (a 410, or the schedule run out) is audited in it,
 * as the system's act, with the reason an admin then reads on the endpoint. Not fsync'd (nor is the claim):
 * a power cut that undoes a round's record undoes its disable and audit row together, and the deliveries
 * are sent again, which at least once allows (receivers dedupe on webhook-id). An fsync per round would
 * queue behind and ahead of the acts' own commits on SQLite's one writer: bench W4 (endpoint) measured
 * 0.64 of the plain figure with them, the worker's two commits per round against one per deletion.
 */
async function record(deps: Deps, outcomes: readonly (readonly [DueDelivery, AttemptRecord])[]): Promise<void> {
  if (outcomes.length === 0) return;
  await deps.store.transaction(
    async (tx) => {
      for (const [delivery, outcome] of outcomes) {
        const finished = await tx.finishWebhookAttempt(delivery.id, outcome);
        if (finished === null || !finished.disabledEndpoint) continue;
        const system: Actor = { type: "system" };
        await tx.appendAudit(
          auditEntry(system, noRequest, outcome.attemptedAt, {
            action: "webhooks.disable",
            outcome: "success",
            targetId: null,
            details: { endpointId: finished.endpointId, reason: outcome.disableEndpoint ?? "" },
          }),
        );
      }
    },
    { durable: false },
  );
}

async function attempt(deps: Deps, sender: WebhookSender, delivery: DueDelivery): Promise<AttemptRecord> {
  const now = deps.clock.now();
  if (delivery.payload === null) {
    // Retention pruned the event before it could be delivered: nothing is left to send.
    return {
      status: "failed",
      attemptedAt: now,
      nextAttemptAt: now,
      httpStatus: null,
      latencyMs: 0,
      error: "the event was pruned (EVENT_RETENTION_DAYS) before it could be delivered",
      disableEndpoint: null,
    };
  }
  const outcome = await sender.send(
    delivery.endpoint.url,
    signedHeaders(delivery.endpoint, delivery.eventId, delivery.payload, now),
    delivery.payload,
  );
  return judgeAttempt(deps, delivery, outcome, now);
}

/** Events read per endpoint per round when making delivery rows. */
const enqueuePerEndpoint = 500;

/**
 * One round: make delivery rows and claim the due ones (one transaction), send the claimed ones at once,
 * record every outcome (one more). Returns how many attempts were made. A crash between a send and the
 * record sends it again after the claim runs out: at least once, never lost.
 */
export async function deliverDue(deps: Deps, sender: WebhookSender, settings: WorkerSettings): Promise<number> {
  const now = deps.clock.now();
  const claimed = await deps.store.webhooks.takeDueDeliveries(
    now,
    now + settings.claimMs,
    settings.batch,
    enqueuePerEndpoint,
  );
  const outcomes = await Promise.all(
    claimed.map(async (delivery) => [delivery, await attempt(deps, sender, delivery)] as const),
  );
  await record(deps, outcomes);
  return claimed.length;
}

export interface DeliveryWorker {
  stop(): Promise<void>;
}

/**
 * Runs rounds until stopped: at once again after a round that did something (a backlog drains without
 * waiting), otherwise after `pollMs`. A failing round is reported and the next one tries again.
 */
export function startDeliveryWorker(
  deps: Deps,
  sender: WebhookSender,
  settings: WorkerSettings,
  onError: (error: unknown) => void,
): DeliveryWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = deliverDue(deps, sender, settings).then(
        (made) => schedule(made > 0 ? 0 : settings.pollMs),
        (error: unknown) => {
          onError(error);
          schedule(settings.pollMs);
        },
      );
    }, delayMs);
    timer.unref();
  };
  schedule(0);
  return {
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await running;
    },
  };
}
