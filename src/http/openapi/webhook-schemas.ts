import { z } from "zod";
import { eventTypes } from "../../domain/events/user-event.ts";
import { snippetMaxLength } from "../../domain/webhooks/webhook-delivery.ts";
import { webhookDescriptionMaxLength, webhookUrlMaxLength } from "../../domain/webhooks/webhook-endpoint.ts";
import { endpointFields } from "../../domain/webhooks/webhook-fields.ts";
import { deliveryPageMax } from "../../domain/webhooks/webhook-log.ts";
import { timestamp } from "./response-schemas.ts";

/**
 * @module
 * What the webhook routes answer (src/http/routes/webhook-routes.ts): endpoints (never a secret but in the
 * one answer that creates or rotates it), the delivery log and a test event's outcome.
 */
const webhookEndpointView = z
  .object({
    id: z.string().max(64),
    url: z.string().max(webhookUrlMaxLength),
    description: z.string().max(webhookDescriptionMaxLength),
    eventTypes: z
      .array(z.enum(eventTypes))
      .max(eventTypes.length)
      .readonly()
      .describe("The event types it receives; empty: every type."),
    enabled: z.boolean(),
    disabledReason: z
      .string()
      .max(1_000)
      .nullable()
      .describe(
        "Why it is disabled: by an admin (with their reason), 410 Gone, or a delivery that failed past the retry schedule.",
      ),
    createdAt: timestamp,
    previousSecretUntil: timestamp.nullable().describe("During a rotation: until when the previous secret also signs."),
  })
  .meta({ id: "WebhookEndpoint", description: "A webhook endpoint: never its secret." });

const secret = z.string().max(100).describe("The signing secret, shown this once: `whsec_` + base64 of 32 bytes.");

export const createdWebhookPayload = z
  .object({ secret, endpoint: webhookEndpointView })
  .meta({ id: "CreatedWebhookEndpoint", description: "A new webhook endpoint, with its secret shown once." });

export const rotatedWebhookPayload = z
  .object({ secret, endpoint: webhookEndpointView })
  .meta({ id: "RotatedWebhookSecret", description: "The endpoint's new signing secret, shown once." });

export const webhookListPayload = z.object({ endpoints: z.array(webhookEndpointView).max(10_000) });

const deliveryStatus = z.enum(["pending", "delivered", "failed"]);

export const webhookEndpointPayload = z.object({
  endpoint: webhookEndpointView,
  deliveryCounts: z
    .object({ pending: z.number().int().min(0), delivered: z.number().int().min(0), failed: z.number().int().min(0) })
    .describe("How many of its deliveries are in each status (retention prunes finished ones with their events)."),
});

export const updatedWebhookPayload = z.object({
  endpoint: webhookEndpointView,
  changed: z
    .array(z.enum(endpointFields))
    .max(endpointFields.length)
    .describe("The fields this request changed; empty: nothing was different."),
});

export const deletedWebhookPayload = z.object({
  deleted: z.string().max(64),
  pendingDropped: z.number().int().min(0).describe("Deliveries that were still pending, dropped with it."),
});

const snippet = z
  .string()
  .max(snippetMaxLength + 1)
  .nullable();

const deliveryView = z
  .object({
    id: z.string().max(64),
    eventId: z.string().max(64).describe("The event's id: the `webhook-id` header of every attempt."),
    eventType: z.enum(eventTypes),
    userId: z.string().max(64),
    status: deliveryStatus,
    attempts: z.number().int().min(0).describe("Attempts of the current schedule (a redelivery starts a new one)."),
    nextAttemptAt: timestamp.nullable().describe("For a pending delivery: when it is tried next."),
    inFlight: z.boolean().describe("An instance is sending it right now."),
    lastAttemptAt: timestamp.nullable(),
    lastStatus: z.number().int().nullable().describe("The HTTP status of the last attempt; null: no answer."),
    lastLatencyMs: z.number().int().min(0).nullable(),
    lastError: snippet.describe("The last failed attempt's answer or error, bounded, secret-looking text cut."),
    deliveredAt: timestamp.nullable(),
    position: z.string().max(40).describe("Pass as `before` for the page that follows this delivery."),
  })
  .meta({ id: "WebhookDelivery", description: "One event's delivery to one endpoint." });

export const deliveryListPayload = z.object({
  deliveries: z.array(deliveryView).max(deliveryPageMax),
  nextBefore: z.string().max(40).nullable().describe("The next (older) page's `before`; null: this is the last."),
});

const attemptView = z.object({
  attempt: z.number().int().min(1),
  attemptedAt: timestamp,
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number().int().min(0),
  error: snippet,
});

export const deliveryDetailPayload = z.object({
  delivery: deliveryView,
  attempts: z.array(attemptView).max(10_000).describe("Every attempt, oldest first."),
});

export const redeliveredPayload = z.object({ delivery: deliveryView });

export const testEventPayload = z.object({
  outcome: z.object({
    delivered: z.boolean().describe("The receiver answered 2xx."),
    eventId: z.string().max(64),
    httpStatus: z.number().int().nullable(),
    latencyMs: z.number().int().min(0),
    error: snippet,
  }),
});
