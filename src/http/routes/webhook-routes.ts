import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { eventTypes } from "../../domain/events/user-event.ts";
import { createWebhookEndpoint, listWebhookEndpoints } from "../../domain/webhooks/webhook-admin.ts";
import { webhookDescriptionMaxLength, webhookUrlMaxLength } from "../../domain/webhooks/webhook-endpoint.ts";
import { unwrap } from "../gatehouse-error.ts";
import { createdWebhookPayload, webhookListPayload } from "../openapi/response-schemas.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

/** Webhook endpoints (docs/events.md "Webhooks"): admins with a session; no token scope grants them. */
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
          eventTypes: z.array(z.enum(eventTypes)).max(eventTypes.length).optional(),
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
      return (
        reply
          .code(201)
          // The listing that holds it (as the token routes answer); the secret is in this answer only.
          .header("Location", "/api/webhooks")
          .header("Cache-Control", "no-store")
          .send({ secret: result.secret, endpoint: result.endpoint })
      );
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
}
