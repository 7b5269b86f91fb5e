/**
 * @module
 * Who is asking: the signed-in caller of a request, for API routes and pages alike. `request.auth` is set
 * by the session check of this very request (request-pipeline.ts), so neither reads the store again.
 */
import type { FastifyRequest } from "fastify";
import { type Actor, type Authenticated, actorOf, tokenActor } from "../domain/actor.ts";
import { GatehouseError } from "./gatehouse-error.ts";

/**
 * The caller's session and user. Routes of the authenticated and admin groups never run without one (the
 * group refuses first); the throw keeps a handler registered in the wrong group failing closed.
 */
export function authOf(request: FastifyRequest): Authenticated {
  if (request.auth === null) throw new GatehouseError("UNAUTHENTICATED");
  return request.auth;
}

/**
 * The caller as the actor of a use case, from the request itself: the owner of the request's API token
 * with its grant (domain/actor.ts `tokenActor`), or the signed-in user (`actorOf`).
 */
export function requestActor(request: FastifyRequest): Actor {
  return callerOf(request) ?? actorOf(authOf(request));
}

/** The token's owner or the signed-in user, as an actor; null for a request with neither. */
export function callerOf(request: FastifyRequest): Actor | null {
  if (request.bearer !== null) return tokenActor(request.bearer.auth, request.bearer.channel);
  return request.auth === null ? null : actorOf(request.auth);
}
