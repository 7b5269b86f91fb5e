import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Refusal } from "../../domain/errors.ts";
import { type EventType, eventTypes } from "../../domain/events/user-event.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "../../domain/webhooks/webhook-admin.ts";
import { webhookDescriptionMaxLength, webhookUrlMaxLength } from "../../domain/webhooks/webhook-endpoint.ts";
import { disableReasonMaxLength } from "../../domain/webhooks/webhook-fields.ts";
import { getWebhookDelivery, listWebhookDeliveries, redeliverWebhook } from "../../domain/webhooks/webhook-log.ts";
import { sendTestEvent } from "../../domain/webhooks/webhook-test-event.ts";
import { GatehouseError, unwrap } from "../../http/gatehouse-error.ts";
import { requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { csrfOnly, formQuery } from "../form-schemas.ts";
import { alertBox } from "../layout.ts";
import { pageContext, redirectWithNotice, sendFormPage, sendPage } from "../page-support.ts";
import { stepUpForm, withStepUp } from "./step-up.ts";
import { type DeliveryLogFilter, deliveryPage, redeliveryRefusals } from "./webhook-delivery-views.ts";
import {
  createdWebhookPage,
  deleteEndpointPage,
  disableEndpointPage,
  type EndpointFormValues,
  emptyEndpointForm,
  endpointPage,
  rotatedSecretPage,
  testOutcomePage,
  webhooksPage,
} from "./webhook-views.ts";

const endpointParams = z.object({ id: z.string().min(1).max(64) });
const deliveryParams = endpointParams.extend({ deliveryId: z.string().min(1).max(64) });

const eventTypeField = z.enum(eventTypes);
/** Checkboxes as a browser sends them: one checked is a string, several an array, none absent (all events). */
const eventTypesField = z.union([eventTypeField, z.array(eventTypeField).max(eventTypes.length)]).optional();

const endpointForm = stepUpForm.extend({
  url: z.string().max(webhookUrlMaxLength),
  description: z.string().max(webhookDescriptionMaxLength).optional(),
  eventTypes: eventTypesField,
});

/** The grace periods the rotation form offers, in seconds: a day (the default), a week, none (after a leak). */
const rotateForm = stepUpForm.extend({ grace: z.enum(["86400", "604800", "0"]) });

const disableForm = csrfOnly.extend({ reason: z.string().max(disableReasonMaxLength).optional() });

/** An endpoint page's query: the delivery log's filter and page, and the notice of the act that led here. */
const endpointQuery = formQuery(
  { status: z.enum(["pending", "delivered", "failed"]).optional() },
  { before: z.string().max(40).optional(), notice: z.string().max(40).optional() },
);

function typesOf(sent: EventType | readonly EventType[] | undefined): EventType[] {
  if (sent === undefined) return [];
  return typeof sent === "string" ? [sent] : [...sent];
}

const endpointPath = (id: string) => `/admin/webhooks/${encodeURIComponent(id)}`;

/** Whether a URL as typed is the one stored (which the use case normalized): then it is not a change. */
function sameUrl(typed: string, stored: string): boolean {
  return URL.canParse(typed) ? new URL(typed).href === stored : false;
}

/**
 * Webhook endpoints for admins (issue 14 point 5): the same use cases as /api/webhooks. A secret is shown
 * once, as the answer to the POST that made it (creation, rotation), never through a redirect, a URL or a
 * stored notice; every other page is built from views that hold no secret.
 */
export function webhookPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { deps } = context;

  const showList = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: EndpointFormValues,
    refusal: Refusal | null,
  ) => {
    const page = pageContext(request, context);
    const listed = unwrap(await listWebhookEndpoints(deps, requestActor(request), requestMeta(request)));
    return sendFormPage(reply, page, { title: "Webhooks" }, webhooksPage(page, listed.endpoints, values), refusal);
  };

  const showEndpoint = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    options: { filter?: DeliveryLogFilter; values?: EndpointFormValues; refusal?: Refusal },
  ) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const read = unwrap(await getWebhookEndpoint(deps, actor, id, meta));
    const filter = options.filter ?? {};
    const log = unwrap(
      await listWebhookDeliveries(
        deps,
        actor,
        id,
        {
          ...(filter.status === undefined ? {} : { status: filter.status }),
          ...(filter.before === undefined ? {} : { before: filter.before }),
        },
        meta,
      ),
    );
    const { endpoint } = read;
    const view = endpointPage(page, {
      endpoint,
      counts: read.deliveryCounts,
      deliveries: log.deliveries,
      nextBefore: log.nextBefore,
      filter,
      values: options.values ?? {
        url: endpoint.url,
        description: endpoint.description,
        eventTypes: endpoint.eventTypes,
      },
    });
    return sendFormPage(reply, page, { title: "Webhook endpoint" }, view, options.refusal ?? null);
  };

  routes.get("/admin/webhooks", async (request, reply) => showList(request, reply, emptyEndpointForm, null));

  routes.post("/admin/webhooks", { schema: { body: endpointForm } }, async (request, reply) => {
    const { url, password } = request.body;
    const description = request.body.description ?? "";
    const types = typesOf(request.body.eventTypes);
    const result = await withStepUp(context, request, password, (actor, meta) =>
      createWebhookEndpoint(deps, actor, { url, description, eventTypes: types }, meta),
    );
    // Refused: the form again with what was sent (never the password), so a step-up prompt loses nothing.
    if (!result.ok) return showList(request, reply, { url, description, eventTypes: types }, result);
    const page = { ...pageContext(request, context), notice: null };
    // Pages are no-store already (security-headers.ts); said here too, where it matters most.
    reply.header("Cache-Control", "no-store");
    const view = createdWebhookPage(page, result.secret, result.endpoint);
    return sendPage(reply, page, { title: "Webhook endpoint added" }, view);
  });

  routes.get(
    "/admin/webhooks/:id",
    { schema: { params: endpointParams, querystring: endpointQuery } },
    async (request, reply) => {
      const { status, before } = request.query;
      return showEndpoint(request, reply, request.params.id, { filter: { status, before } });
    },
  );

  routes.post(
    "/admin/webhooks/:id/edit",
    { schema: { params: endpointParams, body: endpointForm } },
    async (request, reply) => {
      const { id } = request.params;
      const { url, password } = request.body;
      const description = request.body.description ?? "";
      const types = typesOf(request.body.eventTypes);
      const current = unwrap(await getWebhookEndpoint(deps, requestActor(request), id, requestMeta(request)));
      // The form always sends the URL; only a different one is a change, and only that needs the step-up.
      const input = {
        ...(sameUrl(url, current.endpoint.url) ? {} : { url }),
        description,
        eventTypes: types,
      };
      const result = await withStepUp(context, request, password, (actor, meta) =>
        updateWebhookEndpoint(deps, actor, id, input, meta),
      );
      if (result.ok) return redirectWithNotice(reply, context, endpointPath(id), "webhook-updated");
      if (result.code === "WEBHOOK_NOT_FOUND") throw GatehouseError.from(result);
      return showEndpoint(request, reply, id, { values: { url, description, eventTypes: types }, refusal: result });
    },
  );

  const showDisable = async (request: FastifyRequest, reply: FastifyReply, id: string, refusal: Refusal | null) => {
    const page = pageContext(request, context);
    const read = unwrap(await getWebhookEndpoint(deps, requestActor(request), id, requestMeta(request)));
    const view = disableEndpointPage(page, read.endpoint);
    return sendFormPage(reply, page, { title: "Disable a webhook endpoint" }, view, refusal);
  };

  // GET shows the confirmation and changes nothing; only the POST below disables.
  routes.get("/admin/webhooks/:id/disable", { schema: { params: endpointParams } }, async (request, reply) =>
    showDisable(request, reply, request.params.id, null),
  );

  routes.post(
    "/admin/webhooks/:id/disable",
    { schema: { params: endpointParams, body: disableForm } },
    async (request, reply) => {
      const { id } = request.params;
      const reason = request.body.reason ?? "";
      const result = await updateWebhookEndpoint(
        deps,
        requestActor(request),
        id,
        { enabled: false, reason },
        requestMeta(request),
      );
      if (result.ok) return redirectWithNotice(reply, context, endpointPath(id), "webhook-disabled");
      if (result.code === "WEBHOOK_NOT_FOUND") throw GatehouseError.from(result);
      return showDisable(request, reply, id, result);
    },
  );

  routes.post(
    "/admin/webhooks/:id/enable",
    { schema: { params: endpointParams, body: csrfOnly } },
    async (request, reply) => {
      const { id } = request.params;
      const result = await updateWebhookEndpoint(
        deps,
        requestActor(request),
        id,
        { enabled: true },
        requestMeta(request),
      );
      if (!result.ok) throw GatehouseError.from(result);
      return redirectWithNotice(reply, context, endpointPath(id), "webhook-enabled");
    },
  );

  routes.post(
    "/admin/webhooks/:id/rotate-secret",
    { schema: { params: endpointParams, body: rotateForm } },
    async (request, reply) => {
      const { id } = request.params;
      const graceMs = Number(request.body.grace) * 1_000;
      const result = await withStepUp(context, request, request.body.password, (actor, meta) =>
        rotateWebhookSecret(deps, actor, id, meta, graceMs),
      );
      if (!result.ok) {
        if (result.code === "WEBHOOK_NOT_FOUND") throw GatehouseError.from(result);
        return showEndpoint(request, reply, id, { refusal: result });
      }
      const page = { ...pageContext(request, context), notice: null };
      reply.header("Cache-Control", "no-store");
      const view = rotatedSecretPage(page, result.secret, result.endpoint);
      return sendPage(reply, page, { title: "Signing secret rotated" }, view);
    },
  );

  routes.post(
    "/admin/webhooks/:id/test",
    { schema: { params: endpointParams, body: csrfOnly } },
    async (request, reply) => {
      const actor = requestActor(request);
      const meta = requestMeta(request);
      const sent = unwrap(await sendTestEvent(deps, actor, request.params.id, meta));
      const read = unwrap(await getWebhookEndpoint(deps, actor, request.params.id, meta));
      const page = pageContext(request, context);
      return sendPage(reply, page, { title: "Test event" }, testOutcomePage(page, read.endpoint, sent.outcome));
    },
  );

  const showDelete = async (request: FastifyRequest, reply: FastifyReply, id: string, refusal: Refusal | null) => {
    const page = pageContext(request, context);
    const read = unwrap(await getWebhookEndpoint(deps, requestActor(request), id, requestMeta(request)));
    const view = deleteEndpointPage(page, read.endpoint, read.deliveryCounts.pending);
    return sendFormPage(reply, page, { title: "Delete a webhook endpoint" }, view, refusal);
  };

  // GET shows the confirmation (with how many pending deliveries would be dropped) and changes nothing.
  routes.get("/admin/webhooks/:id/delete", { schema: { params: endpointParams } }, async (request, reply) =>
    showDelete(request, reply, request.params.id, null),
  );

  routes.post(
    "/admin/webhooks/:id/delete",
    { schema: { params: endpointParams, body: stepUpForm } },
    async (request, reply) => {
      const { id } = request.params;
      const result = await withStepUp(context, request, request.body.password, (actor, meta) =>
        deleteWebhookEndpoint(deps, actor, id, meta),
      );
      if (result.ok) return redirectWithNotice(reply, context, "/admin/webhooks", "webhook-deleted");
      if (result.code === "WEBHOOK_NOT_FOUND") throw GatehouseError.from(result);
      return showDelete(request, reply, id, result);
    },
  );

  const showDelivery = async (
    request: FastifyRequest,
    reply: FastifyReply,
    params: { id: string; deliveryId: string },
    refused: (Refusal & { code: keyof typeof redeliveryRefusals }) | null,
  ) => {
    const page = pageContext(request, context);
    const actor = requestActor(request);
    const meta = requestMeta(request);
    const read = unwrap(await getWebhookEndpoint(deps, actor, params.id, meta));
    const found = unwrap(await getWebhookDelivery(deps, actor, params.id, params.deliveryId, meta));
    const view = deliveryPage(page, read.endpoint, found.delivery, found.attempts);
    const options = {
      title: "Webhook delivery",
      ...(refused === null ? {} : { alert: alertBox(redeliveryRefusals[refused.code], refused.code) }),
    };
    return sendPage(reply, page, options, view, refused === null ? 200 : 409);
  };

  routes.get(
    "/admin/webhooks/:id/deliveries/:deliveryId",
    { schema: { params: deliveryParams } },
    async (request, reply) => showDelivery(request, reply, request.params, null),
  );

  routes.post(
    "/admin/webhooks/:id/deliveries/:deliveryId/redeliver",
    { schema: { params: deliveryParams, body: csrfOnly } },
    async (request, reply) => {
      const { id, deliveryId } = request.params;
      const result = await redeliverWebhook(deps, requestActor(request), id, deliveryId, requestMeta(request));
      const back = `${endpointPath(id)}/deliveries/${encodeURIComponent(deliveryId)}`;
      if (result.ok) return redirectWithNotice(reply, context, back, "webhook-redelivered");
      if (result.code === "WEBHOOK_DISABLED" || result.code === "WEBHOOK_DELIVERY_IN_FLIGHT") {
        return showDelivery(request, reply, request.params, { ...result, code: result.code });
      }
      throw GatehouseError.from(result);
    },
  );
}
