import type { FastifyInstance } from "fastify";
import type { RouteContext } from "../route-context.ts";

/**
 * @module
 * Liveness for load balancers and orchestrators: the process answers and its database does. Anyone may ask,
 * so the answer says nothing else (no engine, no counts), and costs one trivial query, not a table scan.
 */
export function healthRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get("/healthz", async () => {
    await context.deps.store.ping();
    return { status: "ok" };
  });
}
