import type { Actor, RequestMeta } from "../actor.ts";
import { lockParties, needsStepUp } from "../admin/admin-act.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { EventType } from "../events/user-event.ts";
import type { DeliveryRecord } from "./webhook-delivery.ts";
import {
  isEventType,
  newWebhookEndpointId,
  newWebhookSecret,
  type WebhookEndpointRecord,
  webhookDescriptionMaxLength,
  webhookUrlProblem,
} from "./webhook-endpoint.ts";

/**
 * @module
 * Managing webhook endpoints (admins: `webhooks.manage`; the CLI). Every change is audited in its own
 * transaction. The secret is answered once, at creation; afterwards no answer carries it. The URL, an
 * admin's own text, stays in webhook_endpoints and never enters the sealed audit chain (only the endpoint id).
 */
const action = "webhooks.manage";

/** An endpoint as answered: never its secrets. */
export interface WebhookEndpointView {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly EventType[];
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly createdAt: string;
  /** During a rotation's grace period: until when the previous secret still signs. */
  readonly previousSecretUntil: string | null;
}

export function toEndpointView(endpoint: WebhookEndpointRecord, now: number): WebhookEndpointView {
  const until = endpoint.previousSecretUntil;
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    createdAt: new Date(endpoint.createdAt).toISOString(),
    previousSecretUntil: until !== null && until > now ? new Date(until).toISOString() : null,
  };
}

export interface NewEndpointInput {
  readonly url: string;
  readonly description?: string;
  /** Empty or absent: every event type. */
  readonly eventTypes?: readonly string[];
}

/** The rules of an endpoint's fields, for every edge: a problem's text, or the checked fields. */
function checkedFields(
  deps: Pick<Deps, "webhookAllowHttp">,
  input: NewEndpointInput,
): { url: string; description: string; eventTypes: EventType[] } | string {
  const problem = webhookUrlProblem(input.url, deps.webhookAllowHttp);
  if (problem !== null) return problem;
  const description = (input.description ?? "").trim();
  if (description.length > webhookDescriptionMaxLength) {
    return `The description is longer than ${webhookDescriptionMaxLength} characters.`;
  }
  const types = input.eventTypes ?? [];
  const unknown = types.find((type) => !isEventType(type));
  if (unknown !== undefined) return `Unknown event type: ${unknown.slice(0, 40)}.`;
  return { url: new URL(input.url).href, description, eventTypes: [...new Set(types.filter(isEventType))] };
}

export async function createWebhookEndpoint(
  deps: Deps,
  actor: Actor,
  input: NewEndpointInput,
  meta: RequestMeta,
): Promise<Ok<{ secret: string; endpoint: WebhookEndpointView }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  const deny = (refusal: Refusal) => recordDenial(deps, actor, meta, action, null, refusal);
  const fields = checkedFields(deps, input);
  if (typeof fields === "string") return deny(refuse("VALIDATION_FAILED", fields));
  // Whoever holds the secret can forge Gatehouse's events to every receiver of this endpoint.
  if (needsStepUp(deps, actor)) return deny(refuse("REAUTH_REQUIRED"));
  return auditFailures(deps, actor, meta, action, null, () =>
    deps.store.transaction(async (tx) => {
      const parties = await lockParties(tx, actor, action, null);
      if (!parties.ok) return recordDenial(deps, actor, meta, action, null, parties, tx);
      const now = deps.clock.now();
      const endpoint: WebhookEndpointRecord = {
        id: newWebhookEndpointId(deps.random),
        ...fields,
        enabled: true,
        disabledReason: null,
        secret: newWebhookSecret(deps.random),
        previousSecret: null,
        previousSecretUntil: null,
        createdAt: now,
      };
      // The audit row first: its head lock means every earlier act has committed, so the endpoint's cursor
      // (the newest event, read by the insert) misses none of them and takes none after it.
      await tx.appendAudit(
        auditEntry(parties.actor, meta, now, {
          action: "webhooks.create",
          outcome: "success",
          targetId: null,
          details: { endpointId: endpoint.id, eventTypes: endpoint.eventTypes.join(" ") },
        }),
      );
      await tx.insertWebhookEndpoint(endpoint);
      return { ok: true, secret: endpoint.secret, endpoint: toEndpointView(endpoint, now) };
    }),
  );
}

/** How long the replaced secret keeps signing after a rotation, unless asked otherwise: a day. */
export const rotationGraceMs = 86_400_000;

/**
 * A new secret, answered once; the old one signs beside it until the grace period ends, so receivers can
 * switch to the new one without a delivery they cannot verify.
 */
export async function rotateWebhookSecret(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  meta: RequestMeta,
  graceMs = rotationGraceMs,
): Promise<Ok<{ secret: string; endpoint: WebhookEndpointView }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  if (!Number.isInteger(graceMs) || graceMs < 0 || graceMs > 7 * rotationGraceMs) {
    return recordDenial(
      deps,
      actor,
      meta,
      action,
      null,
      refuse("VALIDATION_FAILED", "The grace period is 0 to 7 days."),
    );
  }
  if (needsStepUp(deps, actor)) return recordDenial(deps, actor, meta, action, null, refuse("REAUTH_REQUIRED"));
  return auditFailures(deps, actor, meta, action, null, () =>
    deps.store.transaction(async (tx) => {
      const parties = await lockParties(tx, actor, action, null);
      if (!parties.ok) return recordDenial(deps, actor, meta, action, null, parties, tx);
      const endpoint = await tx.lockWebhookEndpoint(endpointId);
      if (endpoint === null) return recordDenial(deps, actor, meta, action, null, refuse("WEBHOOK_NOT_FOUND"), tx);
      const now = deps.clock.now();
      const secret = newWebhookSecret(deps.random);
      await tx.rotateWebhookSecret(endpoint.id, secret, endpoint.secret, now + graceMs);
      await tx.appendAudit(
        auditEntry(parties.actor, meta, now, {
          action: "webhooks.rotate",
          outcome: "success",
          targetId: null,
          details: { endpointId: endpoint.id, previousSecretUntil: new Date(now + graceMs).toISOString() },
        }),
      );
      const rotated = { ...endpoint, secret, previousSecret: endpoint.secret, previousSecretUntil: now + graceMs };
      return { ok: true, secret, endpoint: toEndpointView(rotated, now) };
    }),
  );
}

export async function listWebhookEndpoints(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
): Promise<Ok<{ endpoints: WebhookEndpointView[] }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  const now = deps.clock.now();
  const endpoints = await deps.store.webhooks.listWebhookEndpoints();
  return { ok: true, endpoints: endpoints.map((endpoint) => toEndpointView(endpoint, now)) };
}

export async function getWebhookEndpoint(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  meta: RequestMeta,
): Promise<Ok<{ endpoint: WebhookEndpointView; deliveries: DeliveryRecord[] }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  const endpoint = await deps.store.webhooks.getWebhookEndpoint(endpointId);
  if (endpoint === null) return refuse("WEBHOOK_NOT_FOUND");
  const deliveries = await deps.store.webhooks.listWebhookDeliveries(endpointId, 100);
  return { ok: true, endpoint: toEndpointView(endpoint, deps.clock.now()), deliveries };
}
