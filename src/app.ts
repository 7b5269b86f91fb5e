/**
 * @module
 * The app as it serves: the HTTP app with its request pipeline, the API, the pages, and the fallbacks
 * that answer API paths in JSON and every other path with a page. The one place `http/` and `web/` are put
 * together: `web/` uses `http/`'s helpers, and nothing in `http/` imports `web/`.
 */

import { registerApiRoutes } from "./http/api-routes.ts";
import { type AppOptions, defaultLimits } from "./http/app-options.ts";
import { auditedAdminDenial } from "./http/audited-admin-denial.ts";
import { installFallbacks } from "./http/fallbacks.ts";
import { createHttpApp, type GatehouseApp } from "./http/http-app.ts";
import { apiVersion, registerOpenApi } from "./http/openapi/openapi-document.ts";
import { installRequestPipeline } from "./http/request-pipeline.ts";
import { routeContextFor } from "./http/route-context-for.ts";
import { sendErrorPage } from "./web/error-page.ts";
import { pagesPlugin } from "./web/pages-plugin.ts";

/**
 * Steps in this order: hooks before routes (a route gets the hooks that exist when it is added), fallbacks last.
 * Every route, API and pages, is registered under PUBLIC_URL's path (`https://app.example/auth`: every route
 * starts with `/auth`, and nothing answers outside it but the 404); the 405 routes follow the registry, so
 * they carry it too.
 */
export async function buildApp(options: AppOptions): Promise<GatehouseApp> {
  const limits = { ...defaultLimits, ...options.limits };
  const { app, registry } = await createHttpApp(options, limits);
  const context = routeContextFor(app, options, limits);
  installRequestPipeline(app, context);
  await registerOpenApi(app, { publicUrl: options.publicUrl, cookie: context.cookie, version: apiVersion });
  const onAdminDenied = auditedAdminDenial(context.deps);
  await app.register(
    async (scope) => {
      await registerApiRoutes(scope, context, onAdminDenied);
      await scope.register(pagesPlugin(context, onAdminDenied));
    },
    { prefix: context.basePath },
  );
  await installFallbacks(app, registry, context.basePath, (request, reply, code) =>
    sendErrorPage(request, reply, context, code),
  );
  return { app, registry };
}
