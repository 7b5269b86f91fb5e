import type { FastifyInstance } from "fastify";
import type { RouteContext } from "./route-context.ts";

export function healthRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get("/healthz", async () => {
    await context.deps.store.countUsers();
    return { status: "ok", engine: context.deps.store.engine };
  });
}
