import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AuditVerification } from "../../domain/audit/audit-chain-walk.ts";
import { peopleNamedBy, readAuditLog, verifyAuditLog } from "../../domain/audit/audit-log.ts";
import { GatehouseError, unwrap } from "../../http/gatehouse-error.ts";
import { auditLogFilters, decimalInteger } from "../../http/query-schemas.ts";
import { requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { formQuery } from "../form-schemas.ts";
import { html } from "../html.ts";
import { showsProblemCodes } from "../layout.ts";
import { pageContext, sendPage } from "../page-support.ts";
import { auditExport, auditExportFormats } from "./audit-export.ts";
import {
  type AuditPageFilters,
  brokenRows,
  entryTable,
  exportLinks,
  filterForm,
  filterQuery,
  verificationPanel,
} from "./audit-views.ts";

const dayMs = 24 * 60 * 60 * 1000;

/** The page's filters: the API's, plus a date range in whole UTC days (the end day included). */
const pageFilters = {
  ...auditLogFilters,
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
};

/** The range as the store reads it: from the start of `from` to the start of the day after `to`. */
function timeRange(filters: AuditPageFilters): { since?: number; until?: number } {
  const from = filters.from === undefined ? undefined : Date.parse(`${filters.from}T00:00:00Z`);
  const to = filters.to === undefined ? undefined : Date.parse(`${filters.to}T00:00:00Z`) + dayMs;
  if (from !== undefined && to !== undefined && from >= to) {
    throw new GatehouseError("VALIDATION_FAILED", "The date range ends before it starts.");
  }
  return { ...(from === undefined ? {} : { since: from }), ...(to === undefined ? {} : { until: to }) };
}

function storeFilters(filters: AuditPageFilters) {
  const { from: _from, to: _to, ...rest } = filters;
  return { ...rest, ...timeRange(filters) };
}

export function auditPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    "/admin/audit",
    {
      schema: {
        querystring: formQuery(
          { ...pageFilters, verify: z.literal("1").optional() },
          { before: decimalInteger(1, Number.MAX_SAFE_INTEGER).optional() },
        ),
      },
    },
    async (request, reply) => {
      const actor = requestActor(request);
      const meta = requestMeta(request);
      const { verify, before, ...filters } = request.query;
      const query = { ...storeFilters(filters), ...(before === undefined ? {} : { before }), limit: 50 };
      const log = unwrap(await readAuditLog(context.deps, actor, query, meta));
      let verification: AuditVerification | null = null;
      if (verify !== undefined) {
        verification = unwrap(await verifyAuditLog(context.deps, actor, meta)).verification;
      }
      const people = await peopleNamedBy(context.deps, log.entries);
      const page = pageContext(request, context);
      const older =
        log.nextBefore === null
          ? ""
          : html`<p><a class="button secondary" href="${page.base}/admin/audit?${filterQuery(filters, {
              before: String(log.nextBefore),
            })}">Older entries</a></p>`;
      const content = html`<h1>Audit log</h1>
${verificationPanel(page.base, filters, verification, showsProblemCodes(page))}
${filterForm(page.base, filters)}
${log.entries.length === 0 ? "" : exportLinks(page.base, filters)}
${entryTable(page.base, log.entries, people, brokenRows(verification))}
${older}`;
      return sendPage(reply, page, { title: "Audit log", wide: true }, content);
    },
  );

  routes.get(
    "/admin/audit/export",
    {
      schema: {
        querystring: formQuery(pageFilters, { format: z.enum(auditExportFormats) }),
      },
    },
    async (request, reply) => {
      const { format, ...filters } = request.query;
      const { stream } = unwrap(
        await auditExport(context.deps, requestActor(request), storeFilters(filters), requestMeta(request), format),
      );
      const name = `gatehouse-audit.${format === "csv" ? "csv" : "jsonl"}`;
      return reply
        .type(format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="${name}"`)
        .send(stream);
    },
  );
}
