import { type EventType, eventTypes } from "../events/user-event.ts";
import type { Random } from "../ports.ts";

/**
 * @module
 * A webhook endpoint: where events are pushed, signed per Standard Webhooks (docs/events.md). Its secret is
 * `whsec_` + base64 of 32 random bytes, shown once at creation; during a rotation's grace period the
 * previous secret signs too, so a receiver can switch without losing a delivery.
 */
export interface WebhookEndpointRecord {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  /** The event types it receives; empty: every type. */
  readonly eventTypes: readonly EventType[];
  readonly enabled: boolean;
  /** Why it was disabled (by an admin, a 410, or a delivery that failed past the retry schedule). */
  readonly disabledReason: string | null;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretUntil: number | null;
  readonly createdAt: number;
}

/** What an update may change; absent fields stay as they are. */
export interface EndpointChanges {
  readonly url?: string;
  readonly description?: string;
  readonly eventTypes?: readonly EventType[];
  /** With `disabledReason`: why an admin disabled it (null when enabling). */
  readonly enabled?: boolean;
  readonly disabledReason?: string | null;
}

export const webhookUrlMaxLength = 2_000;
export const webhookDescriptionMaxLength = 200;

export function newWebhookSecret(random: Random): string {
  return `whsec_${random.bytes(32).toString("base64")}`;
}

export function newWebhookEndpointId(random: Random): string {
  return `whe_${random.bytes(16).toString("base64url")}`;
}

/** The secrets that sign a delivery at `now`: the current one, and the previous one during its grace period. */
export function signingSecrets(
  endpoint: Pick<WebhookEndpointRecord, "secret" | "previousSecret" | "previousSecretUntil">,
  now: number,
): string[] {
  const previous =
    endpoint.previousSecret !== null && endpoint.previousSecretUntil !== null && now < endpoint.previousSecretUntil
      ? [endpoint.previousSecret]
      : [];
  return [endpoint.secret, ...previous];
}

export function wantsEvent(endpoint: Pick<WebhookEndpointRecord, "eventTypes">, type: EventType): boolean {
  return endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type);
}

export function isEventType(text: string): text is EventType {
  return (eventTypes as readonly string[]).includes(text);
}

/**
 * Why a URL cannot be an endpoint, or null. https only unless plain http is allowed (local development);
 * no credentials in it (they would sit in the database and the logs). Where it resolves is checked at each
 * delivery, against the address actually connected to (infra/webhook-sender.ts), not here.
 */
export function webhookUrlProblem(text: string, allowHttp: boolean): string | null {
  if (text.length > webhookUrlMaxLength) return `The URL is longer than ${webhookUrlMaxLength} characters.`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "The URL is not an absolute URL.";
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) {
    return allowHttp ? "The URL must be https or http." : "The URL must be https (WEBHOOK_ALLOW_HTTP is off).";
  }
  if (url.username !== "" || url.password !== "") return "The URL must not carry credentials.";
  if (url.hash !== "") return "The URL must not have a fragment.";
  return null;
}
