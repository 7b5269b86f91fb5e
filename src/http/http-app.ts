/**
 * @module
 * The Fastify instance every route is registered on: server options, body parsing, the API's error
 * handler, the route registry and the plugins the routes use. No route and no request hook yet: the
 * composition root (src/app.ts) adds them in order.
 */
import { randomUUID } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { AppOptions, Limits } from "./app-options.ts";
import { answerClientError } from "./client-error.ts";
import { GatehouseError } from "./gatehouse-error.ts";
import { installProblemHandlers, sendProblem } from "./problem.ts";
import { withRedactedUrls } from "./redacted-url.ts";
import { basePathOf, routePath } from "./route-path.ts";
import { assertEveryApiRouteAnswers, assertEveryRouteHasPolicy, RouteRegistry } from "./route-policy.ts";
import { sendScimError } from "./scim/scim-error.ts";
import { isScimPath } from "./scim/scim-path.ts";
import { apiSecurityHeaders } from "./security-headers.ts";
import { fastifyTrustProxy } from "./trusted-proxies.ts";

export interface GatehouseApp {
  readonly app: FastifyInstance;
  /** Every route as it was registered: for the 405 answers and the check that each has a policy. */
  readonly registry: RouteRegistry;
}

export async function createHttpApp(options: AppOptions, limits: Limits): Promise<GatehouseApp> {
  const app = Fastify({
    logger: withRedactedUrls(options.logger ?? false),
    logController: new LogController({ disableRequestLogging: !(options.logRequests ?? false) }),
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
    bodyLimit: limits.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // A URL that cannot even be decoded is refused before routing, so no hook runs for it: it still gets
    // a problem+json answer, with the headers of every JSON answer (its raw path cannot say which route).
    frameworkErrors: (_error, request, reply) => {
      reply.headers(apiSecurityHeaders);
      if (isScimPath(routePath(request, basePathOf(options.publicUrl)))) {
        return sendScimError(reply, "VALIDATION_FAILED", "The URL is not valid.");
      }
      return sendProblem(reply, "VALIDATION_FAILED", "The URL is not valid.");
    },
    clientErrorHandler: answerClientError,
    // Routing follows the request line only: no method override of any kind is honoured.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON is parsed: text/plain (the other default parser) is a body a cross-site form can send.
  app.removeContentTypeParser("text/plain");
  installProblemHandlers(app);

  const registry = new RouteRegistry();
  app.addHook("onRoute", (route) => registry.record(route));
  app.addHook("onReady", async () => {
    assertEveryRouteHasPolicy(registry);
    assertEveryApiRouteAnswers(registry);
  });

  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new GatehouseError("RATE_LIMITED", `Try again in ${context.after}.`),
  });
  return { app, registry };
}
