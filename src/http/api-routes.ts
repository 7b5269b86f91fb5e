/**
 * @module
 * The JSON API, the health check and the SCIM service provider, each route group under its policy.
 */
import type { FastifyInstance } from "fastify";
import type { RouteContext } from "./route-context.ts";
import { type AdminDenial, adminGroup, routeGroup } from "./route-policy.ts";
import { accountRoutes } from "./routes/account-routes.ts";
import { adminUserRoutes } from "./routes/admin-user-routes.ts";
import { auditRoutes } from "./routes/audit-routes.ts";
import { authRoutes, sessionRoutes } from "./routes/auth-routes.ts";
import { authzRoutes } from "./routes/authz-routes.ts";
import { eventRoutes } from "./routes/event-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { openApiRoutes } from "./routes/openapi-routes.ts";
import { forgotPasswordRoutes, recoveryAdminRoutes, recoveryPublicRoutes } from "./routes/recovery-routes.ts";
import { tokenRoutes } from "./routes/token-routes.ts";
import { webhookRoutes } from "./routes/webhook-routes.ts";
import { scimBasePath } from "./scim/scim-path.ts";
import { scimPlugin } from "./scim/scim-plugin.ts";

export async function registerApiRoutes(
  app: FastifyInstance,
  context: RouteContext,
  onAdminDenied: AdminDenial,
): Promise<void> {
  await app.register(routeGroup("public", (group) => healthRoutes(group, context)));
  await app.register(routeGroup("public", (group) => openApiRoutes(group)));
  await app.register(routeGroup("public", (group) => authRoutes(group, context)));
  await app.register(routeGroup("public", (group) => recoveryPublicRoutes(group, context)));
  await app.register(routeGroup("public", (group) => forgotPasswordRoutes(group, context)));
  // Public: it reads request.auth and answers a missing session itself (401 + Location, or a redirect).
  await app.register(routeGroup("public", (group) => authzRoutes(group, context)));
  // Given the token guard only to refuse tokens plainly: a caller's own account and sessions need a session.
  const apiTokens = context.tokens("api");
  const refusing = { tokens: apiTokens, onDenied: onAdminDenied };
  await app.register(routeGroup("authenticated", (group) => sessionRoutes(group, context), refusing));
  await app.register(routeGroup("authenticated", (group) => accountRoutes(group, context), refusing));
  await app.register(adminGroup((group) => adminUserRoutes(group, context), onAdminDenied, apiTokens));
  await app.register(adminGroup((group) => recoveryAdminRoutes(group, context), onAdminDenied, apiTokens));
  await app.register(adminGroup((group) => auditRoutes(group, context), onAdminDenied, apiTokens));
  await app.register(adminGroup((group) => tokenRoutes(group, context), onAdminDenied, apiTokens));
  await app.register(adminGroup((group) => eventRoutes(group, context), onAdminDenied, apiTokens));
  await app.register(adminGroup((group) => webhookRoutes(group, context), onAdminDenied, apiTokens));
  // SCIM 2.0 for identity providers: token-only, its own parser and error shape (docs/scim.md).
  await app.register(scimPlugin(context, onAdminDenied), { prefix: scimBasePath });
}
