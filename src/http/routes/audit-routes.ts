import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AuditEntry } from "../../domain/audit/audit-chain.ts";
import { readAuditLog, verifyAuditLog } from "../../domain/audit/audit-log.ts";
import { unwrap } from "../gatehouse-error.ts";
import { auditLogPayload, auditVerificationPayload } from "../openapi/response-schemas.ts";
import { auditLogFilters, decimalInteger } from "../query-schemas.ts";
import { requestActor } from "../request-auth.ts";
import { requestMeta } from "../request-meta.ts";
import type { RouteContext } from "../route-context.ts";

export function auditRoutes(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    "/api/audit",
    {
      schema: {
        querystring: z.strictObject({
          ...auditLogFilters,
          before: decimalInteger(1, Number.MAX_SAFE_INTEGER).optional(),
          limit: decimalInteger(1, 200).default(50),
        }),
        operationId: "listAuditEntries",
        summary: "The audit log, newest first, filtered; paging with `before`",
        tags: ["audit"],
        response: { 200: auditLogPayload },
      },
      config: { tokenScope: "audit:read" },
    },
    async (request) => {
      const result = unwrap(
        await readAuditLog(context.deps, requestActor(request), request.query, requestMeta(request)),
      );
      return { entries: result.entries.map(listedEntry), nextBefore: result.nextBefore };
    },
  );

  routes.get(
    "/api/audit/verify",
    {
      schema: {
        operationId: "verifyAuditLog",
        summary: "Walk the whole hash chain: the verdict, and every broken entry",
        tags: ["audit"],
        response: { 200: auditVerificationPayload },
      },
      config: { tokenScope: "audit:read" },
    },
    async (request) => {
      const result = unwrap(await verifyAuditLog(context.deps, requestActor(request), requestMeta(request)));
      return result.verification;
    },
  );
}

/**
 * An entry as the API lists it. `reason` is what it always was to a reader: the server's code, or the
 * reason an admin gave (the entry's note) while it exists; null once erased, when `noteMac` still shows
 * that there was one.
 */
function listedEntry(entry: AuditEntry) {
  const { note, ...sealed } = entry;
  return { ...sealed, reason: entry.reason ?? note ?? null, at: new Date(entry.at).toISOString() };
}
