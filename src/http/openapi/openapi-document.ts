import { STATUS_CODES } from "node:http";
import fastifySwagger from "@fastify/swagger";
import type { FastifyInstance, RouteOptions } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { routePattern } from "../route-path.ts";
import { isApiPath } from "../security-headers.ts";
import type { SessionCookie } from "../session-cookie.ts";
import { unsafeMethods } from "../unsafe-methods.ts";
import { type DocumentedHeader, documentedHeaders, headersOf } from "./documented-headers.ts";
import { problemMediaType } from "./route-answers.ts";
import { webhooksSection } from "./webhooks-section.ts";

/**
 * @module
 * The OpenAPI 3.1 document of the API, generated at start by @fastify/swagger from the very zod schemas
 * that validate requests and serialize answers (fastify-type-provider-zod's transforms), so it cannot say
 * something the server does not enforce. Pages, the 405 routes and HEAD are left out. After generation
 * each operation gets what a JSON schema cannot say: its security (the session cookie, and the CSRF
 * header for unsafe methods), its problem answers as application/problem+json, and its headers; and the
 * `webhooks` section, what Gatehouse sends to an endpoint (webhooks-section.ts).
 */

export interface DocumentOptions {
  readonly publicUrl: URL;
  readonly cookie: SessionCookie;
  readonly version: string;
}

type Json = Record<string, unknown>;
type Operation = Json & { responses?: Record<string, Json> };

export const csrfHeaderName = "X-CSRF-Token";

/** The API's version, the package's (a test holds the two equal). */
export const apiVersion = "0.1.0";

export async function registerOpenApi(app: FastifyInstance, options: DocumentOptions): Promise<void> {
  const routes = new Map<string, RouteOptions>();
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Gatehouse API",
        version: options.version,
        description: [
          "User accounts and sessions where deletion and session management are secure by construction.",
          "Every error is RFC 9457 problem+json with a stable `code` (docs/errors.md). A path asked with a",
          "method it lacks answers 405 METHOD_NOT_ALLOWED with an Allow header; an unknown API path 404",
          "NOT_FOUND. Every answer but this document carries `Cache-Control: no-store`.",
        ].join(" "),
        license: { name: "MIT", identifier: "MIT" },
      },
      tags: [
        { name: "auth", description: "Sign-up, login, logout, this session, re-authentication." },
        { name: "account", description: "The signed-in user's own account and sessions." },
        { name: "users", description: "Administration of other users' accounts (admin and superuser)." },
        { name: "audit", description: "The tamper-evident audit log (admin and superuser)." },
        { name: "events", description: "What happened to users, for downstream systems (docs/events.md)." },
        { name: "webhooks", description: "Signed webhook endpoints that receive the events (docs/events.md)." },
        { name: "tokens", description: "API tokens for services, and session introspection for back ends." },
        { name: "health", description: "Liveness for load balancers." },
        { name: "meta", description: "This document." },
      ],
      servers: [{ url: options.publicUrl.href.replace(/\/$/, "") }],
      components: {
        securitySchemes: {
          sessionCookie: {
            type: "apiKey",
            in: "cookie",
            name: options.cookie.name,
            description: "The session cookie set by login and sign-up (HttpOnly, SameSite=Lax).",
          },
          apiToken: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "gatehouse_<22 characters>_<43 characters> (docs/tokens.md)",
            description:
              "An API token (`Authorization: Bearer`), created by an admin with scopes; never together with the cookie.",
          },
          csrfToken: {
            type: "apiKey",
            in: "header",
            name: csrfHeaderName,
            description: "The session's anti-forgery token (`csrfToken` of the session), on every unsafe request.",
          },
        },
      },
    },
    transform: (input) => {
      const { route } = input;
      const hidden = route.config?.policy === "method-not-allowed" || !isApiPath(routePattern(route));
      if (hidden) return { schema: { hide: true }, url: route.url };
      for (const method of [route.method].flat()) routes.set(`${method.toLowerCase()} ${routePattern(route)}`, route);
      return jsonSchemaTransform(input);
    },
    transformObject: (input) => completeOperations(jsonSchemaTransformObject(input), routes),
  });
}

/** The document, generated on the first call after start (the routes are all known by then). */
export function openApiDocument(app: FastifyInstance): unknown {
  return app.swagger();
}

function completeOperations(document: Json, routes: ReadonlyMap<string, RouteOptions>): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const route = routes.get(`${method} ${fastifyPath(path)}`);
      if (route === undefined) continue;
      operation.security = securityOf(route);
      operation.description = `${String(operation.summary ?? "")}. Who may call it: ${whoMayCall(route)}.${tokenText(route)}`;
      if (operation.requestBody !== undefined)
        operation.requestBody = optionalWhenNullable(operation.requestBody as Json);
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (/^[45]/.test(status)) response.content = asProblem(response.content);
        else if (response.description === "Default Response") response.description = STATUS_CODES[status] ?? status;
        const headers = headersOf(route, Number(status));
        if (headers.length > 0) response.headers = headerObjects(headers);
      }
    }
  }
  // The server's audience: whoever the operator lets reach the public URL (x-internal, OWASP API9).
  const servers = (document.servers ?? []) as Json[];
  for (const server of servers) server["x-internal"] = false;
  document.webhooks = webhooksSection();
  return withIntegerFormats(withoutUnusedSchemas(document));
}

/**
 * Every integer the API reads or writes is a JavaScript safe integer: int64 says how wide a client's type
 * must be (zod's `.int()` names no format).
 */
function withIntegerFormats(document: Json): Json {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === "object" && value !== null) {
      const schema = value as Json;
      if (schema.type === "integer" && schema.format === undefined) schema.format = "int64";
      for (const child of Object.values(schema)) visit(child);
    }
  };
  visit(document.paths);
  visit(document.webhooks);
  visit(document.components);
  return document;
}

/** OpenAPI writes `{id}` where Fastify wrote `:id`. */
function fastifyPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ":$1");
}

/** A body schema that accepts null (`.nullish()`) is a body the request may leave out altogether. */
function optionalWhenNullable(body: Json): Json {
  const media = (body.content as Record<string, { schema?: Json }> | undefined)?.["application/json"];
  const anyOf = media?.schema?.anyOf as Json[] | undefined;
  if (media === undefined || anyOf === undefined || !anyOf.some((branch) => branch.type === "null")) return body;
  const rest = anyOf.filter((branch) => branch.type !== "null");
  const schema = rest.length === 1 ? rest[0] : { anyOf: rest };
  return { ...body, required: false, content: { "application/json": { ...media, schema } } };
}

const callers: Readonly<Record<string, string>> = {
  public: "anyone",
  authenticated: "any signed-in user",
  admin: "admins and superusers (a plain user gets 403 FORBIDDEN before any lookup)",
};

function whoMayCall(route: RouteOptions): string {
  return callers[String(route.config?.policy)] ?? "anyone";
}

function tokenText(route: RouteOptions): string {
  const scope = route.config?.tokenScope;
  if (scope !== undefined) return ` An API token may call it with the scope \`${scope}\` if its owner's role may too.`;
  return route.config?.acceptsTokens === true ? " API tokens may not call it (403 INSUFFICIENT_SCOPE)." : "";
}

function securityOf(route: RouteOptions): Json[] {
  if (route.config?.policy === "public") return [];
  const unsafe = [route.method].flat().some((method) => unsafeMethods.has(method));
  const session = unsafe ? { sessionCookie: [], csrfToken: [] } : { sessionCookie: [] };
  return route.config?.tokenScope === undefined ? [session] : [session, { apiToken: [] }];
}

/**
 * A refusal's answer as the Problem component narrowed to the route's status and codes: generated clients
 * get one Problem type, and each operation still lists exactly the codes it can answer.
 */
function asProblem(content: unknown): Json {
  const schema = (content as Record<string, { schema?: Json }> | undefined)?.["application/json"]?.schema;
  const properties = (schema?.properties ?? {}) as Record<string, Json>;
  const narrowed = { type: "object", properties: { status: properties.status, code: properties.code } };
  return { [problemMediaType]: { schema: { allOf: [{ $ref: "#/components/schemas/Problem" }, narrowed] } } };
}

/**
 * The zod transform emits every registered schema twice, as read (`…Input`) and as written; only what an
 * operation refers to, directly or through another component, is kept.
 */
function withoutUnusedSchemas(document: Json): Json {
  const components = document.components as { schemas?: Record<string, unknown> } | undefined;
  const schemas = components?.schemas;
  if (components === undefined || schemas === undefined) return document;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    const text = JSON.stringify(value);
    for (const match of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const name = match[1];
      if (name === undefined || used.has(name)) continue;
      used.add(name);
      visit(schemas[name]);
    }
  };
  visit(document.paths);
  // The registry's own `$id` and `$schema` are JSON Schema document keys, not a component's.
  components.schemas = Object.fromEntries(
    Object.entries(schemas)
      .filter(([name]) => used.has(name))
      .map(([name, schema]) => {
        const { $id: _id, $schema: _schema, ...rest } = schema as Json;
        return [name, rest];
      }),
  );
  return document;
}

function headerObjects(headers: readonly DocumentedHeader[]): Json {
  return Object.fromEntries(headers.map((name) => [name, documentedHeaders[name].header]));
}
