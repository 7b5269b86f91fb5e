import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { openApiDocument } from "../openapi/openapi-document.ts";

/** The document's shape as far as this route promises it; the rest is OpenAPI 3.1 itself. */
const documentSchema = z
  .looseObject({ openapi: z.literal("3.1.0"), info: z.looseObject({}), paths: z.looseObject({}) })
  .meta({ id: "OpenApiDocument", description: "This API's OpenAPI 3.1 document." });

/**
 * The API's own description. Public: it says what the routes are, never who is signed in or what exists.
 * Generated once, at the first request after start (every route is known by then), with a strong ETag.
 */
export function openApiRoutes(app: FastifyInstance): void {
  let cached: { readonly document: z.infer<typeof documentSchema>; readonly etag: string } | null = null;
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/openapi.json",
    {
      schema: {
        operationId: "getOpenApiDocument",
        summary: "This document",
        tags: ["meta"],
        response: { 200: documentSchema, 304: z.null().describe("Not modified: the ETag still matches.") },
      },
    },
    async (request, reply) => {
      if (cached === null) {
        const document = documentSchema.parse(openApiDocument(app));
        const digest = createHash("sha256").update(JSON.stringify(document)).digest("base64url");
        cached = { document, etag: `"${digest.slice(0, 32)}"` };
      }
      reply.header("Cache-Control", "public, max-age=300").header("ETag", cached.etag);
      if (request.headers["if-none-match"] === cached.etag) return reply.code(304).send(null);
      return cached.document;
    },
  );
}
