/**
 * @module
 * The SCIM routes, thin: read the request, call the provisioning use case (domain/scim/), render its answer
 * as application/scim+json. Discovery: ServiceProviderConfig, Schemas, ResourceTypes. Users: POST, GET (list
 * with filter and paging), GET/PUT/PATCH/DELETE by id.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { serviceProviderConfig, userResourceType, userSchema } from "../../domain/scim/scim-discovery.ts";
import { listScimUsers } from "../../domain/scim/scim-list.ts";
import {
  deprovisionScimUser,
  getScimUser,
  patchScimUser,
  provisionScimUser,
  replaceScimUser,
  type ScimUserResult,
} from "../../domain/scim/scim-provisioning.ts";
import { scimListResponseSchema, scimUserSchema } from "../../domain/scim/scim-schemas.ts";
import { scimVersion, toScimUser } from "../../domain/scim/scim-user.ts";
import { GatehouseError, unwrap } from "../gatehouse-error.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";
import { scimContentType } from "./scim-error.ts";

/** Every SCIM route documents the scope it needs (bearer-auth.ts `tokenScope`); the use cases decide. */
const config = { tokenScope: "scim" } as const;

function sendScim(reply: FastifyReply, status: number, body: object): FastifyReply {
  return reply.code(status).type(scimContentType).send(body);
}

function listResponse(resources: readonly object[], totalResults = resources.length, startIndex = 1) {
  return {
    schemas: [scimListResponseSchema],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

export function scimDiscoveryRoutes(app: FastifyInstance, base: string): void {
  app.get("/ServiceProviderConfig", { config }, async (_request, reply) =>
    sendScim(reply, 200, serviceProviderConfig(base)),
  );
  app.get("/ResourceTypes", { config }, async (_request, reply) =>
    sendScim(reply, 200, listResponse([userResourceType(base)])),
  );
  app.get<{ Params: { id: string } }>("/ResourceTypes/:id", { config }, async (request, reply) => {
    if (request.params.id !== "User") throw new GatehouseError("NOT_FOUND", "The one resource type is User.");
    return sendScim(reply, 200, userResourceType(base));
  });
  app.get("/Schemas", { config }, async (_request, reply) => sendScim(reply, 200, listResponse([userSchema(base)])));
  app.get<{ Params: { id: string } }>("/Schemas/:id", { config }, async (request, reply) => {
    if (request.params.id !== scimUserSchema)
      throw new GatehouseError("NOT_FOUND", `The one schema is ${scimUserSchema}.`);
    return sendScim(reply, 200, userSchema(base));
  });
}

/** One query value: a repeated parameter is refused rather than guessed at. */
function single(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown>)[name];
  if (value === undefined || typeof value === "string") return value;
  throw new GatehouseError("VALIDATION_FAILED", `Send ${name} once.`);
}

export function scimUserRoutes(app: FastifyInstance, context: RouteContext, base: string): void {
  const { deps } = context;
  const usersUrl = `${base}/Users`;

  function sendUser(reply: FastifyReply, status: number, result: ScimUserResult): FastifyReply {
    const { provisioned } = unwrap(result);
    const resource = toScimUser(provisioned, usersUrl);
    reply.header("ETag", scimVersion(provisioned));
    if (status === 201) reply.header("Location", resource.meta.location);
    return sendScim(reply, status, resource);
  }

  app.get("/Users", { config }, async (request, reply) => {
    const query = {
      filter: single(request.query, "filter"),
      startIndex: single(request.query, "startIndex"),
      count: single(request.query, "count"),
    };
    const { page } = unwrap(await listScimUsers(deps, requestActor(request), query, requestMeta(request)));
    const resources = page.users.map((provisioned) => toScimUser(provisioned, usersUrl));
    return sendScim(reply, 200, listResponse(resources, page.totalResults, page.startIndex));
  });

  app.post("/Users", { config }, async (request, reply) =>
    sendUser(reply, 201, await provisionScimUser(deps, requestActor(request), request.body, requestMeta(request))),
  );

  app.get<{ Params: { id: string } }>("/Users/:id", { config }, async (request, reply) =>
    sendUser(reply, 200, await getScimUser(deps, requestActor(request), request.params.id, requestMeta(request))),
  );

  app.put<{ Params: { id: string } }>("/Users/:id", { config }, async (request, reply) =>
    sendUser(
      reply,
      200,
      await replaceScimUser(deps, requestActor(request), request.params.id, request.body, requestMeta(request)),
    ),
  );

  app.patch<{ Params: { id: string } }>("/Users/:id", { config }, async (request, reply) =>
    sendUser(
      reply,
      200,
      await patchScimUser(deps, requestActor(request), request.params.id, request.body, requestMeta(request)),
    ),
  );

  // The one deletion use case: with a grace period the account is disabled now and erased later; for SCIM it
  // is gone either way (404 from now on), every session and token of it ended in the deletion's transaction.
  app.delete<{ Params: { id: string } }>("/Users/:id", { config }, async (request, reply) => {
    unwrap(await deprovisionScimUser(deps, requestActor(request), request.params.id, requestMeta(request)));
    return reply.code(204).send();
  });
}
