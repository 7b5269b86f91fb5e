import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { eventTypes } from "../../domain/events/user-event.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  rotationGraceMaxMs,
  rotationGraceMs,
  updateWebhookEndpoint,
} from "../../domain/webhooks/webhook-admin.ts";
import { webhookDescriptionMaxLength, webhookUrlMaxLength } from "../../domain/webhooks/webhook-endpoint.ts";
import { disableReasonMaxLength } from "../../domain/webhooks/webhook-fields.ts";
import {
  deliveryPageMax,
  getWebhookDelivery,
  listWebhookDeliveries,
  redeliverWebhook,
} from "../../domain/webhooks/webhook-log.ts";
import { sendTestEvent } from "../../domain/webhooks/webhook-test-event.ts";
import { unwrap } from "../gatehouse-error.ts";
import {
  createdWebhookPayload,
  deletedWebhookPayload,
  deliveryDetailPayload,
  deliveryListPayload,
  redeliveredPayload,
  rotatedWebhookPayload,
  testEventPayload,
  updatedWebhookPayload,
  webhookEndpointPayload,
  webhookListPayload,
} from "../openapi/webhook-schemas.ts";
import { decimalInteger } from "../query-schemas.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

const endpointParams = z.object({ id: z.string().min(1).max(64) });
const deliveryParams = z.object({ id: z.string().min(1).max(64), deliveryId: z.string().min(1).max(64) });
const eventTypeList = z.array(z.enum(eventTypes)).max(eventTypes.length);

/**
 * Webhook endpoints and their delivery log (docs/events.md "Webhooks"): admins with a session; no token scope
 * grants them. Creating, deleting, rotating a secret and changing a URL need a recent password proof.
 */
export function webhookRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  routes.post(
    "/api/webhooks",
    {
      schema: {
        body: z.strictObject({
          url: z.string().max(webhookUrlMaxLength),
          description: z.string().max(webhookDescriptionMaxLength).optional(),
          eventTypes: eventTypeList.optional(),
        }),
        operationId: "createWebhookEndpoint",
        summary:
          "Register a webhook endpoint (https; its signing secret shown once); it receives the events committed from now on. Needs a recent password proof",
        tags: ["webhooks"],
        response: { 201: createdWebhookPayload },
      },
      config: { refusals: ["REAUTH_REQUIRED"] },
    },
    async (request, reply) => {
      const result = unwrap(
        await createWebhookEndpoint(deps, requestActor(request), request.body, requestMeta(request)),
      );
      return reply
        .code(201)
        .header("Location", `/api/webhooks/${encodeURIComponent(result.endpoint.id)}`)
        .header("Cache-Control", "no-store")
        .send({ secret: result.secret, endpoint: result.endpoint });
    },
  );

  routes.get(
    "/api/webhooks",
    {
      schema: {
        operationId: "listWebhookEndpoints",
        summary: "The webhook endpoints, oldest first, with why any is disabled (never their secrets)",
        tags: ["webhooks"],
        response: { 200: webhookListPayload },
      },
    },
    async (request) => ({
      endpoints: unwrap(await listWebhookEndpoints(deps, requestActor(request), requestMeta(request))).endpoints,
    }),
  );

  routes.get(
    "/api/webhooks/:id",
    {
      schema: {
        params: endpointParams,
        operationId: "getWebhookEndpoint",
        summary: "One webhook endpoint and how many of its deliveries are pending, delivered and failed",
        tags: ["webhooks"],
        response: { 200: webhookEndpointPayload },
      },
      config: { refusals: ["WEBHOOK_NOT_FOUND"] },
    },
    async (request) => {
      const { ok: _ok, ...read } = unwrap(
        await getWebhookEndpoint(deps, requestActor(request), request.params.id, requestMeta(request)),
      );
      return read;
    },
  );

  routes.patch(
    "/api/webhooks/:id",
    {
      schema: {
        params: endpointParams,
        body: z.strictObject({
          url: z.string().max(webhookUrlMaxLength).optional().describe("A new URL needs a recent password proof."),
          description: z.string().max(webhookDescriptionMaxLength).optional(),
          eventTypes: eventTypeList.optional().describe("The event types it receives; empty: every type."),
          enabled: z
            .boolean()
            .optional()
            .describe("Enabling resumes where it stopped: what committed meanwhile is delivered."),
          reason: z
            .string()
            .max(disableReasonMaxLength)
            .optional()
            .describe("With enabled: false only: why, shown on the endpoint."),
        }),
        operationId: "updateWebhookEndpoint",
        summary: "Change a webhook endpoint's URL, description or event filter, or enable or disable it",
        tags: ["webhooks"],
        response: { 200: updatedWebhookPayload },
      },
      config: { refusals: ["WEBHOOK_NOT_FOUND", "REAUTH_REQUIRED"] },
    },
    async (request) => {
      const { ok: _ok, ...updated } = unwrap(
        await updateWebhookEndpoint(deps, requestActor(request), request.params.id, request.body, requestMeta(request)),
      );
      return updated;
    },
  );

  routes.delete(
    "/api/webhooks/:id",
    {
      schema: {
        params: endpointParams,
        operationId: "deleteWebhookEndpoint",
        summary:
          "Delete a webhook endpoint with its delivery log; its pending deliveries are dropped. Needs a recent password proof",
        tags: ["webhooks"],
        response: { 200: deletedWebhookPayload },
      },
      config: { refusals: ["WEBHOOK_NOT_FOUND", "REAUTH_REQUIRED"] },
    },
    async (request) => {
      const { ok: _ok, ...deleted } = unwrap(
        await deleteWebhookEndpoint(deps, requestActor(request), request.params.id, requestMeta(request)),
      );
      return deleted;
    },
  );

  routes.post(
    "/api/webhooks/:id/rotate-secret",
    {
      schema: {
        params: endpointParams,
        body: z.strictObject({
          graceSeconds: z
            .number()
            .int()
            .min(0)
            .max(rotationGraceMaxMs / 1_000)
            .optional()
            .describe(
              `How long the previous secret keeps signing beside the new one (default ${rotationGraceMs / 1_000}; 0 after a leak).`,
            ),
        }),
        operationId: "rotateWebhookSecret",
        summary:
          "A new signing secret, shown once; the previous one signs too for a grace period. Needs a recent password proof",
        tags: ["webhooks"],
        response: { 200: rotatedWebhookPayload },
      },
      config: { refusals: ["WEBHOOK_NOT_FOUND", "REAUTH_REQUIRED"] },
    },
    async (request, reply) => {
      const grace = request.body.graceSeconds === undefined ? rotationGraceMs : request.body.graceSeconds * 1_000;
      const result = unwrap(
        await rotateWebhookSecret(deps, requestActor(request), request.params.id, requestMeta(request), grace),
      );
      return reply.header("Cache-Control", "no-store").send({ secret: result.secret, endpoint: result.endpoint });
    },
  );

  routes.post(
    "/api/webhooks/:id/test",
    {
      schema: {
        params: endpointParams,
        operationId: "sendWebhookTestEvent",
        summary:
          "POST a signed `webhook.test` event to the endpoint now (enabled or not) and answer how the receiver answered",
        tags: ["webhooks"],
        response: { 200: testEventPayload },
      },
      config: { refusals: ["WEBHOOK_NOT_FOUND"] },
    },
    async (request) => {
      const { ok: _ok, ...sent } = unwrap(
        await sendTestEvent(deps, requestActor(request), request.params.id, requestMeta(request)),
      );
      return sent;
    },
  );

  routes.get(
    "/api/webhooks/:id/deliveries",
    {
      schema: {
        params: endpointParams,
        querystring: z.strictObject({
          status: z.enum(["pending", "delivered", "failed"]).optional(),
          before: z.string().max(40).optional().describe("A delivery's `position`: the page of older ones."),
          limit: decimalInteger(1, deliveryPageMax).default(50),
        }),
        operationId: "listWebhookDeliveries",
        summary: "An endpoint's delivery log, newest event first: status, attempts, last answer",
        tags: ["webhooks"],
        response: { 200: deliveryListPayload },
      },
      config: { refusals: ["WEBHOOK_NOT_FOUND"] },
    },
    async (request) => {
      const { ok: _ok, ...page } = unwrap(
        await listWebhookDeliveries(
          deps,
          requestActor(request),
          request.params.id,
          request.query,
          requestMeta(request),
        ),
      );
      return page;
    },
  );

  routes.get(
    "/api/webhooks/:id/deliveries/:deliveryId",
    {
      schema: {
        params: deliveryParams,
        operationId: "getWebhookDelivery",
        summary: "One delivery and every attempt of it: when, the HTTP status, latency, the answer's snippet",
        tags: ["webhooks"],
        response: { 200: deliveryDetailPayload },
      },
      config: { refusals: ["WEBHOOK_NOT_FOUND", "WEBHOOK_DELIVERY_NOT_FOUND"] },
    },
    async (request) => {
      const { ok: _ok, ...read } = unwrap(
        await getWebhookDelivery(
          deps,
          requestActor(request),
          request.params.id,
          request.params.deliveryId,
          requestMeta(request),
        ),
      );
      return read;
    },
  );

  routes.post(
    "/api/webhooks/:id/deliveries/:deliveryId/redeliver",
    {
      schema: {
        params: deliveryParams,
        operationId: "redeliverWebhook",
        summary: "Send a delivery again now on a fresh retry schedule, with the same webhook-id",
        tags: ["webhooks"],
        response: { 200: redeliveredPayload },
      },
      config: {
        refusals: ["WEBHOOK_NOT_FOUND", "WEBHOOK_DELIVERY_NOT_FOUND", "WEBHOOK_DISABLED", "WEBHOOK_DELIVERY_IN_FLIGHT"],
      },
    },
    async (request) => {
      const { ok: _ok, ...redelivered } = unwrap(
        await redeliverWebhook(
          deps,
          requestActor(request),
          request.params.id,
          request.params.deliveryId,
          requestMeta(request),
        ),
      );
      return redelivered;
    },
  );
}
