import type { Actor, RequestMeta } from "../actor.ts";
import { lockParties, needsStepUp } from "../admin/admin-act.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { StoreTx } from "../ports.ts";
import type { WebhookEndpointRecord } from "./webhook-endpoint.ts";

/**
 * @module
 * The one step every change to an existing webhook endpoint takes: permission (`webhooks.manage`) before any
 * lookup, the input's own problem, the step-up when the act needs one, then in one transaction the actor
 * re-read and locked, the endpoint locked (404 after the permission check only), the act and its audit row.
 * Refusals are audited as denials, failures as failures, like every administrative act.
 */
export const webhookAction = "webhooks.manage";

export interface WebhookActSpec {
  readonly endpointId: string;
  /** Whether the act needs a recent password proof (it changes where events go, or who can sign them). */
  readonly stepUp: boolean;
  /** The input's problem found before any lookup; null when the input is fine. */
  readonly problem: Refusal | null;
}

export type WebhookActBody<T extends object> = (
  tx: StoreTx,
  actor: Actor,
  endpoint: WebhookEndpointRecord,
  now: number,
) => Promise<Ok<T> | Refusal>;

export async function runWebhookAct<T extends object>(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  spec: WebhookActSpec,
  body: WebhookActBody<T>,
): Promise<Ok<T> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, webhookAction, null);
  if (denied !== null) return denied;
  if (spec.problem !== null) return recordDenial(deps, actor, meta, webhookAction, null, spec.problem);
  if (spec.stepUp && needsStepUp(deps, actor)) {
    return recordDenial(deps, actor, meta, webhookAction, null, refuse("REAUTH_REQUIRED"));
  }
  return auditFailures(deps, actor, meta, webhookAction, null, () =>
    deps.store.transaction(async (tx) => {
      const parties = await lockParties(tx, actor, webhookAction, null);
      if (!parties.ok) return recordDenial(deps, actor, meta, webhookAction, null, parties, tx);
      const endpoint = await tx.lockWebhookEndpoint(spec.endpointId);
      if (endpoint === null) {
        return recordDenial(deps, actor, meta, webhookAction, null, refuse("WEBHOOK_NOT_FOUND"), tx);
      }
      const result = await body(tx, parties.actor, endpoint, deps.clock.now());
      if (!result.ok) return recordDenial(deps, actor, meta, webhookAction, null, result, tx);
      return result;
    }),
  );
}
