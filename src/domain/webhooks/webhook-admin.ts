import type { Actor, RequestMeta } from "../actor.ts";
import { lockParties, needsStepUp } from "../admin/admin-act.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { runWebhookAct, webhookAction } from "./webhook-act.ts";
import type { DeliveryStatus } from "./webhook-delivery.ts";
import {
  type EndpointChanges,
  newWebhookEndpointId,
  newWebhookSecret,
  type WebhookEndpointRecord,
} from "./webhook-endpoint.ts";
import {
  changedFields,
  checkedChanges,
  checkedFields,
  type EndpointField,
  type EndpointUpdateInput,
  isRefusal,
  type NewEndpointInput,
  toEndpointView,
  type WebhookEndpointView,
} from "./webhook-fields.ts";

/**
 * @module
 * Managing webhook endpoints (admins: `webhooks.manage`; the CLI). Every change is audited in its own
 * transaction. The secret is answered once, at creation; afterwards no answer carries it. The URL, an
 * admin's own text, stays in webhook_endpoints and never enters the sealed audit chain (only the endpoint id).
 */
const action = webhookAction;

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
  if (isRefusal(fields)) return deny(fields);
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
export const rotationGraceMaxMs = 7 * rotationGraceMs;

/**
 * A new secret, answered once; the old one signs beside it until the grace period ends, so receivers can
 * switch to the new one without a delivery they cannot verify. A grace of 0 ends the old secret at once
 * (after a leak).
 */
export function rotateWebhookSecret(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  meta: RequestMeta,
  graceMs = rotationGraceMs,
): Promise<Ok<{ secret: string; endpoint: WebhookEndpointView }> | Refusal> {
  const problem =
    Number.isInteger(graceMs) && graceMs >= 0 && graceMs <= rotationGraceMaxMs
      ? null
      : refuse("VALIDATION_FAILED", "The grace period is 0 to 7 days.");
  return runWebhookAct(deps, actor, meta, { endpointId, stepUp: true, problem }, async (tx, acting, endpoint, now) => {
    const secret = newWebhookSecret(deps.random);
    const until = now + graceMs;
    await tx.rotateWebhookSecret(endpoint.id, secret, endpoint.secret, until);
    await tx.appendAudit(
      auditEntry(acting, meta, now, {
        action: "webhooks.rotate",
        outcome: "success",
        targetId: null,
        details: { endpointId: endpoint.id, previousSecretUntil: new Date(until).toISOString() },
      }),
    );
    const rotated = { ...endpoint, secret, previousSecret: endpoint.secret, previousSecretUntil: until };
    return { ok: true, secret, endpoint: toEndpointView(rotated, now) };
  });
}

/**
 * Changes an endpoint's URL, description, event filter, or enables / disables it. A new URL needs a recent
 * password proof (it sends every user's events somewhere else). Enabling resumes where the endpoint's cursor
 * stopped: the events committed while it was disabled are delivered (those retention kept). A request that
 * changes nothing changes nothing, and is not audited.
 */
export function updateWebhookEndpoint(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  input: EndpointUpdateInput,
  meta: RequestMeta,
): Promise<Ok<{ endpoint: WebhookEndpointView; changed: EndpointField[] }> | Refusal> {
  const changes = checkedChanges(deps, input);
  const problem = isRefusal(changes) ? changes : null;
  const stepUp = input.url !== undefined;
  return runWebhookAct(deps, actor, meta, { endpointId, stepUp, problem }, async (tx, acting, endpoint, now) => {
    if (isRefusal(changes)) return changes;
    const changed = changedFields(endpoint, changes);
    if (changed.length === 0) return { ok: true, endpoint: toEndpointView(endpoint, now), changed };
    const applied: EndpointChanges = {
      ...(changed.includes("url") ? { url: changes.url } : {}),
      ...(changed.includes("description") ? { description: changes.description } : {}),
      ...(changed.includes("eventTypes") ? { eventTypes: changes.eventTypes } : {}),
      ...(changed.includes("enabled") ? { enabled: changes.enabled, disabledReason: changes.disabledReason } : {}),
    };
    await tx.updateWebhookEndpoint(endpoint.id, applied);
    const reason = (input.reason ?? "").trim();
    await tx.appendAudit(
      auditEntry(acting, meta, now, {
        action: changed.includes("enabled")
          ? changes.enabled
            ? "webhooks.enable"
            : "webhooks.disable"
          : "webhooks.update",
        outcome: "success",
        targetId: null,
        details: { endpointId: endpoint.id, changed: changed.join(" ") },
        ...(reason === "" ? {} : { note: reason }),
      }),
    );
    const updated: WebhookEndpointRecord = {
      ...endpoint,
      ...(applied.url === undefined ? {} : { url: applied.url }),
      ...(applied.description === undefined ? {} : { description: applied.description }),
      ...(applied.eventTypes === undefined ? {} : { eventTypes: applied.eventTypes }),
      ...(applied.enabled === undefined
        ? {}
        : { enabled: applied.enabled, disabledReason: applied.disabledReason ?? null }),
    };
    return { ok: true, endpoint: toEndpointView(updated, now), changed };
  });
}

/** Deletes an endpoint with its delivery log; pending deliveries to it are dropped. Needs a recent password proof. */
export function deleteWebhookEndpoint(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  meta: RequestMeta,
): Promise<Ok<{ deleted: string; pendingDropped: number }> | Refusal> {
  return runWebhookAct(
    deps,
    actor,
    meta,
    { endpointId, stepUp: true, problem: null },
    async (tx, acting, endpoint, now) => {
      const counts = await deps.store.webhooks.countWebhookDeliveries(endpoint.id);
      await tx.deleteWebhookEndpoint(endpoint.id);
      await tx.appendAudit(
        auditEntry(acting, meta, now, {
          action: "webhooks.delete",
          outcome: "success",
          targetId: null,
          details: { endpointId: endpoint.id, pendingDropped: counts.pending },
        }),
      );
      return { ok: true, deleted: endpoint.id, pendingDropped: counts.pending };
    },
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

/** One endpoint and how many of its deliveries are pending, delivered and failed. */
export async function getWebhookEndpoint(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  meta: RequestMeta,
): Promise<Ok<{ endpoint: WebhookEndpointView; deliveryCounts: Record<DeliveryStatus, number> }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, action, null);
  if (denied !== null) return denied;
  const endpoint = await deps.store.webhooks.getWebhookEndpoint(endpointId);
  if (endpoint === null) return recordDenial(deps, actor, meta, action, null, refuse("WEBHOOK_NOT_FOUND"));
  const deliveryCounts = await deps.store.webhooks.countWebhookDeliveries(endpointId);
  return { ok: true, endpoint: toEndpointView(endpoint, deps.clock.now()), deliveryCounts };
}
