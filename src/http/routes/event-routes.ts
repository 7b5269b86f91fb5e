import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { readEvents } from "../../domain/events/event-feed.ts";
import { unwrap } from "../gatehouse-error.ts";
import { eventPagePayload } from "../openapi/response-schemas.ts";
import { decimalInteger } from "../query-schemas.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

/** The events feed (docs/events.md): an admin's session or a token with `events:read`. */
export function eventRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    "/api/events",
    {
      schema: {
        querystring: z.strictObject({
          after: z
            .string()
            .max(32)
            .optional()
            .describe("The `nextCursor` of the previous page; absent: from the oldest retained event."),
          limit: decimalInteger(1, 500).default(100),
        }),
        operationId: "listEvents",
        summary: "What happened to users, in commit order, after a cursor (for reconciliation)",
        tags: ["events"],
        response: { 200: eventPagePayload },
      },
      config: { tokenScope: "events:read", refusals: ["EVENTS_CURSOR_EXPIRED"] },
    },
    async (request) => {
      const { ok: _ok, ...page } = unwrap(
        await readEvents(context.deps, requestActor(request), request.query, requestMeta(request)),
      );
      return page;
    },
  );
}
