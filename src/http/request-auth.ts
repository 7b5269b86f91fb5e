/**
 * @module
 * Who is asking: the signed-in caller of a request, for API routes and pages alike. `request.auth` is set
 * by the session check of this very request (request-pipeline.ts), so neither reads the store again.
 */
import type { FastifyRequest } from "fastify";
import { type Actor, type Authenticated, actorOf } from "../domain/actor.ts";
import { GatehouseError } from "./gatehouse-error.ts";

/**
 * The caller's session and user. Routes of the authenticated and admin groups never run without one (the
 * group refuses first); the throw keeps a handler registered in the wrong group failing closed.
 */
export function authOf(request: FastifyRequest): Authenticated {
  if (request.auth === null) throw new GatehouseError("UNAUTHENTICATED");
  return request.auth;
}

/** The caller as the actor of a use case (domain/actor.ts `actorOf`), from the request itself. */
export function requestActor(request: FastifyRequest): Actor {
  return actorOf(authOf(request));
}
