import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AuditEntry, auditOutcomes } from "../../domain/audit/audit-chain.ts";
import type { AuditVerification } from "../../domain/audit/audit-chain-walk.ts";
import { readAuditLog, verifyAuditLog } from "../../domain/audit/audit-log.ts";
import type { ErrorCode } from "../../domain/errors.ts";
import { unwrap } from "../../http/gatehouse-error.ts";
import { auditLogFilters, decimalInteger } from "../../http/query-schemas.ts";
import { requestActor } from "../../http/request-auth.ts";
import { requestMeta } from "../../http/request-meta.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { formQuery } from "../form-schemas.ts";
import { html } from "../html.ts";
import { pageContext, sendPage } from "../page-support.ts";
import { formatTime } from "./session-table.ts";

const brokenLog: ErrorCode = "AUDIT_LOG_BROKEN";

/** The admin's own words (a note) while they exist; a note erased with the person it named says so. */
function reasonOf(entry: AuditEntry): string {
  if (entry.reason !== null) return entry.reason;
  if (entry.note !== undefined && entry.note !== null) return entry.note;
  return entry.noteMac === undefined ? "" : "(note erased)";
}

function entryRow(entry: AuditEntry) {
  const details = Object.entries(entry.details)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ");
  return html`<tr><td>${entry.seq}</td><td><time datetime="${new Date(entry.at).toISOString()}">${formatTime(new Date(entry.at).toISOString())}</time></td>
<td>${entry.actorType}${entry.actorId === null ? "" : html` <span class="mono">${entry.actorId}</span>`}</td>
<td>${entry.action}</td><td class="mono">${entry.targetId ?? ""}</td><td>${entry.outcome}</td>
<td class="optional">${reasonOf(entry)} <span class="mono">${details}</span></td></tr>`;
}

/**
 * Verification walks the whole chain, so a page view never runs it: the admin asks for it (?verify=1),
 * and the answer lists the broken entries it reports.
 */
function verificationPanel(base: string, v: AuditVerification | null) {
  if (v === null) {
    return html`<p><a class="button secondary" href="${base}/admin/audit?verify=1">Verify the hash chain</a></p>`;
  }
  if (v.ok) {
    return html`<p class="notice" role="status">Hash chain verified: ${v.entries} entries, none edited, inserted or removed.</p>`;
  }
  const more = v.brokenCount - v.broken.length;
  return html`<div class="alert" role="alert"><strong>The audit log fails verification</strong>: ${v.brokenCount} broken ${v.brokenCount === 1 ? "entry" : "entries"}.
  <ul>${v.broken.map((b) => html`<li>Entry ${b.seq}: ${b.problem}.</li>`)}</ul>
  ${more > 0 ? html`<p>And ${more} more (<code>gatehouse audit verify</code> lists them all).</p>` : ""}
  <small>Code: <code>${brokenLog}</code></small></div>`;
}

export function auditPages(app: FastifyInstance, context: RouteContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    "/admin/audit",
    {
      schema: {
        querystring: formQuery(
          { ...auditLogFilters, verify: z.literal("1").optional() },
          { before: decimalInteger(1, Number.MAX_SAFE_INTEGER).optional() },
        ),
      },
    },
    async (request, reply) => {
      const actor = requestActor(request);
      const meta = requestMeta(request);
      const { verify, ...filters } = request.query;
      const log = unwrap(await readAuditLog(context.deps, actor, { ...filters, limit: 50 }, meta));
      let verification: AuditVerification | null = null;
      if (verify !== undefined) {
        verification = unwrap(await verifyAuditLog(context.deps, actor, meta)).verification;
      }
      const next = new URLSearchParams();
      for (const [key, value] of Object.entries({ ...filters, before: log.nextBefore ?? undefined })) {
        if (value !== undefined) next.set(key, String(value));
      }
      const page = pageContext(request, context);
      const content = html`<h1>Audit log</h1>
${verificationPanel(page.base, verification)}
<form class="card filters" method="get" action="${page.base}/admin/audit" role="search">
  <div><label for="actorId">Actor id</label><input id="actorId" name="actorId" type="text" value="${filters.actorId ?? ""}"></div>
  <div><label for="targetId">Target id</label><input id="targetId" name="targetId" type="text" value="${filters.targetId ?? ""}"></div>
  <div><label for="action">Action</label><input id="action" name="action" type="text" value="${filters.action ?? ""}"
    placeholder="users.delete"></div>
  <div><label for="outcome">Outcome</label><select id="outcome" name="outcome"><option value="">Any</option>
    ${auditOutcomes.map((o) => html`<option value="${o}"${filters.outcome === o ? html` selected` : ""}>${o}</option>`)}</select></div>
  <div><button type="submit">Filter</button></div>
</form>
<div class="table-wrap"><table>
<thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th>
<th scope="col">Target</th><th scope="col">Outcome</th><th scope="col" class="optional">Reason and details</th></tr></thead>
<tbody>${log.entries.map(entryRow)}</tbody></table></div>
${log.nextBefore === null ? "" : html`<p><a class="button secondary" href="${page.base}/admin/audit?${next.toString()}">Older entries</a></p>`}`;
      return sendPage(reply, page, { title: "Audit log" }, content);
    },
  );
}
