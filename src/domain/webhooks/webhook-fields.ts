import type { Deps } from "../deps.ts";
import { type Refusal, refuse } from "../errors.ts";
import type { EventType } from "../events/user-event.ts";
import { hasUnreadableCharacters } from "../readable-text.ts";
import {
  type EndpointChanges,
  isEventType,
  type WebhookEndpointRecord,
  webhookDescriptionMaxLength,
  webhookUrlProblem,
} from "./webhook-endpoint.ts";

/**
 * @module
 * An endpoint's fields as the management use cases (webhook-admin.ts) take and answer them: the view that
 * never carries a secret, and the rules of the URL, description, event filter and disable reason, the same
 * for creation and update and for every edge.
 */
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

/** The rules of an endpoint's fields, for every edge and for creation and update alike. */
function checkedUrl(deps: Pick<Deps, "webhookAllowHttp">, url: string): string | Refusal {
  const problem = webhookUrlProblem(url, deps.webhookAllowHttp);
  return problem === null ? new URL(url).href : refuse("VALIDATION_FAILED", problem);
}

function checkedDescription(text: string): string | Refusal {
  const description = text.trim();
  if (description.length > webhookDescriptionMaxLength) {
    return refuse("VALIDATION_FAILED", `The description is longer than ${webhookDescriptionMaxLength} characters.`);
  }
  if (hasUnreadableCharacters(description)) {
    return refuse("VALIDATION_FAILED", "The description may not contain control or invisible formatting characters.");
  }
  return description;
}

function checkedEventTypes(types: readonly string[]): EventType[] | Refusal {
  const unknown = types.find((type) => !isEventType(type));
  if (unknown !== undefined) return refuse("VALIDATION_FAILED", `Unknown event type: ${unknown.slice(0, 40)}.`);
  return [...new Set(types.filter(isEventType))];
}

export const isRefusal = (value: unknown): value is Refusal =>
  typeof value === "object" && value !== null && "ok" in value && value.ok === false;

export function checkedFields(
  deps: Pick<Deps, "webhookAllowHttp">,
  input: NewEndpointInput,
): { url: string; description: string; eventTypes: EventType[] } | Refusal {
  const url = checkedUrl(deps, input.url);
  if (isRefusal(url)) return url;
  const description = checkedDescription(input.description ?? "");
  if (isRefusal(description)) return description;
  const eventTypes = checkedEventTypes(input.eventTypes ?? []);
  if (isRefusal(eventTypes)) return eventTypes;
  return { url, description, eventTypes };
}

export interface EndpointUpdateInput {
  readonly url?: string;
  readonly description?: string;
  readonly eventTypes?: readonly string[];
  readonly enabled?: boolean;
  /** Why an admin disables it: kept on the endpoint (shown to admins) and in the audit note. */
  readonly reason?: string;
}

export const disableReasonMaxLength = 200;

export function checkedChanges(
  deps: Pick<Deps, "webhookAllowHttp">,
  input: EndpointUpdateInput,
): EndpointChanges | Refusal {
  const changes: { -readonly [K in keyof EndpointChanges]: EndpointChanges[K] } = {};
  if (input.url !== undefined) {
    const url = checkedUrl(deps, input.url);
    if (isRefusal(url)) return url;
    changes.url = url;
  }
  if (input.description !== undefined) {
    const description = checkedDescription(input.description);
    if (isRefusal(description)) return description;
    changes.description = description;
  }
  if (input.eventTypes !== undefined) {
    const eventTypes = checkedEventTypes(input.eventTypes);
    if (isRefusal(eventTypes)) return eventTypes;
    changes.eventTypes = eventTypes;
  }
  const reason = (input.reason ?? "").trim();
  if (reason.length > disableReasonMaxLength) {
    return refuse("VALIDATION_FAILED", `The reason is longer than ${disableReasonMaxLength} characters.`);
  }
  if (hasUnreadableCharacters(reason)) {
    return refuse("VALIDATION_FAILED", "The reason may not contain control or invisible formatting characters.");
  }
  if (input.reason !== undefined && input.enabled !== false) {
    return refuse("VALIDATION_FAILED", "A reason goes with disabling (enabled: false) only.");
  }
  if (input.enabled !== undefined) {
    changes.enabled = input.enabled;
    changes.disabledReason = input.enabled
      ? null
      : reason === ""
        ? "disabled by an admin"
        : `disabled by an admin: ${reason}`;
  }
  return changes;
}

export const endpointFields = ["url", "description", "eventTypes", "enabled"] as const;
export type EndpointField = (typeof endpointFields)[number];

/** The fields that differ from the endpoint's, by name, in a fixed order. */
export function changedFields(endpoint: WebhookEndpointRecord, changes: EndpointChanges): EndpointField[] {
  const changed: EndpointField[] = [];
  if (changes.url !== undefined && changes.url !== endpoint.url) changed.push("url");
  if (changes.description !== undefined && changes.description !== endpoint.description) changed.push("description");
  if (changes.eventTypes !== undefined && changes.eventTypes.join(" ") !== endpoint.eventTypes.join(" ")) {
    changed.push("eventTypes");
  }
  if (changes.enabled !== undefined && changes.enabled !== endpoint.enabled) changed.push("enabled");
  return changed;
}
