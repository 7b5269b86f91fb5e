/**
 * @module
 * The answers for a path no route has (404) and for a route asked with a method it lacks (405 + Allow).
 * API paths answer problem+json, SCIM paths SCIM errors; every other path answers people, through the page renderer the
 * composition root gives (http/ renders no HTML of its own).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode } from "../domain/errors.ts";
import { sendProblem } from "./problem.ts";
import { routePath } from "./route-path.ts";
import { methodNotAllowedRoutes, type RouteRegistry } from "./route-policy.ts";
import { sendScimError } from "./scim/scim-error.ts";
import { isScimPath } from "./scim/scim-path.ts";
import { isApiPath } from "./security-headers.ts";

export type PageErrorRenderer = (
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
) => FastifyReply | Promise<FastifyReply>;

/** After every other route: the 405 routes are made from the registry of those already registered. */
export async function installFallbacks(
  app: FastifyInstance,
  registry: RouteRegistry,
  basePath: string,
  sendErrorPage: PageErrorRenderer,
): Promise<void> {
  const answer = (code: ErrorCode) => (request: FastifyRequest, reply: FastifyReply) => {
    const path = routePath(request, basePath);
    if (isScimPath(path)) return sendScimError(reply, code);
    return isApiPath(path) ? sendProblem(reply, code) : sendErrorPage(request, reply, code);
  };
  app.setNotFoundHandler(answer("NOT_FOUND"));
  await app.register(methodNotAllowedRoutes(registry, answer("METHOD_NOT_ALLOWED")));
}
