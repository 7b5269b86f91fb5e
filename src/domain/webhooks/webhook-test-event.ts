import type { Actor, RequestMeta } from "../actor.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { newEventId } from "../events/user-event.ts";
import { signedHeaders } from "./delivery-worker.ts";
import { webhookAction } from "./webhook-act.ts";
import { boundedSnippet } from "./webhook-delivery.ts";

/**
 * @module
 * "Send test event": one `webhook.test` event POSTed to the endpoint now, signed like every delivery and
 * under the same SSRF rules, whether the endpoint is enabled or not (check a receiver before enabling it).
 * It is not a user event: it enters neither the events feed nor the delivery log, and no filter holds it
 * back. The admin is answered with the outcome; the act is audited with it.
 */
export interface TestEventOutcome {
  readonly delivered: boolean;
  readonly eventId: string;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

export async function sendTestEvent(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  meta: RequestMeta,
): Promise<Ok<{ outcome: TestEventOutcome }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, webhookAction, null);
  if (denied !== null) return denied;
  const endpoint = await deps.store.webhooks.getWebhookEndpoint(endpointId);
  if (endpoint === null) return recordDenial(deps, actor, meta, webhookAction, null, refuse("WEBHOOK_NOT_FOUND"));
  const now = deps.clock.now();
  const eventId = newEventId(deps.random);
  const body = JSON.stringify({
    type: "webhook.test",
    id: eventId,
    timestamp: new Date(now).toISOString(),
    data: { endpoint_id: endpoint.id },
  });
  const sent = await deps.webhookSender.send(endpoint.url, signedHeaders(endpoint, eventId, body, now), body);
  const outcome: TestEventOutcome =
    sent.kind === "response"
      ? {
          delivered: sent.status >= 200 && sent.status < 300,
          eventId,
          httpStatus: sent.status,
          latencyMs: sent.latencyMs,
          error: sent.status >= 200 && sent.status < 300 ? null : boundedSnippet(sent.snippet),
        }
      : { delivered: false, eventId, httpStatus: null, latencyMs: sent.latencyMs, error: boundedSnippet(sent.error) };
  await deps.store.transaction(async (tx) => {
    await tx.appendAudit(
      auditEntry(actor, meta, deps.clock.now(), {
        action: "webhooks.test",
        outcome: outcome.delivered ? "success" : "failure",
        targetId: null,
        details: { endpointId: endpoint.id, eventId, httpStatus: outcome.httpStatus },
      }),
    );
  });
  return { ok: true, outcome };
}
