import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { healthPayload } from "../openapi/response-schemas.ts";
import type { RouteContext } from "../route-context.ts";

/**
 * @module
 * Liveness for load balancers and orchestrators: the process answers and its database does. Anyone may ask,
 * so the answer says nothing else (no engine, no counts), and costs one trivial query, not a table scan.
 */
export function healthRoutes(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/healthz",
    {
      schema: {
        operationId: "health",
        summary: "Liveness: the process answers and its database does",
        tags: ["health"],
        response: { 200: healthPayload },
      },
    },
    async () => {
      await context.deps.store.ping();
      return { status: "ok" as const };
    },
  );
}
