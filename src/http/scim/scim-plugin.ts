/**
 * @module
 * The SCIM 2.0 service provider at /scim/v2 (docs/scim.md): its own body parser (application/scim+json, as
 * JSON; application/json is the app's), its own error handler (SCIM errors from the same codes), and its
 * routes in the token-only group (route-policy.ts `tokenOnlyGroup`): a bearer token with the `scim` scope,
 * on the `scim` channel, where only that scope grants anything.
 */
import type { FastifyError, FastifyPluginAsync } from "fastify";
import { errorCodes } from "../../domain/errors.ts";
import { bearerChallenge } from "../bearer-auth.ts";
import { problemFor } from "../problem-for.ts";
import type { RouteContext } from "../route-context.ts";
import { type AdminDenial, tokenOnlyGroup } from "../route-policy.ts";
import { sendScimError } from "./scim-error.ts";
import { scimBaseUrl } from "./scim-path.ts";
import { scimDiscoveryRoutes, scimUserRoutes } from "./scim-routes.ts";

export function scimPlugin(context: RouteContext, onDenied: AdminDenial): FastifyPluginAsync {
  return async (scim) => {
    scim.addContentTypeParser(
      "application/scim+json",
      { parseAs: "string" },
      scim.getDefaultJsonParser("error", "error"),
    );
    scim.setErrorHandler((error: FastifyError, request, reply) => {
      const problem = problemFor(error, request);
      reply.headers(problem.headers);
      bearerChallenge(request, reply, errorCodes[problem.code].status);
      return sendScimError(reply, problem.code, problem.detail);
    });
    const base = scimBaseUrl(context.publicUrl, context.basePath);
    await scim.register(
      tokenOnlyGroup(
        (group) => {
          scimDiscoveryRoutes(group, base);
          scimUserRoutes(group, context, base);
        },
        onDenied,
        context.tokens("scim"),
        "scim",
      ),
    );
  };
}
