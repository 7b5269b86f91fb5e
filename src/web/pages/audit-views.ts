/**
 * @module
 * The audit log page's markup: filters (an action picker, outcome, date range), the entries in people's
 * terms (stacked lines on a phone), the exports of the filtered view, and verification with the broken
 * entries marked in the table.
 */
import { type AuditEntry, type AuditOutcome, auditOutcomes } from "../../domain/audit/audit-chain.ts";
import type { AuditVerification } from "../../domain/audit/audit-chain-walk.ts";
import { dateTime } from "../dates.ts";
import { html, type SafeHtml } from "../html.ts";
import { actorCell, personCell } from "./audit-people.ts";
import { actionLabel, describeEntry, knownAuditActions } from "./audit-sentences.ts";

/** The filters as the page's form holds them (dates as YYYY-MM-DD days, UTC). */
export interface AuditPageFilters {
  readonly actorId?: string | undefined;
  readonly targetId?: string | undefined;
  readonly action?: string | undefined;
  readonly outcome?: AuditOutcome | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export const outcomeWords: Readonly<Record<AuditOutcome, string>> = {
  success: "Done",
  denied: "Refused",
  failure: "Failed",
};

/** The filters as a query string (for paging and the exports), blanks left out. */
export function filterQuery(filters: AuditPageFilters, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) {
    if (typeof value === "string" && value !== "") query.set(key, value);
  }
  return query.toString();
}

function actionPicker(selected: string | undefined): SafeHtml {
  const known = knownAuditActions.some((a) => a.action === selected);
  return html`<select id="action" name="action"><option value="">Any action</option>
    ${selected !== undefined && !known ? html`<option value="${selected}" selected>${actionLabel(selected)}</option>` : ""}
    ${knownAuditActions.map(
      (a) => html`<option value="${a.action}"${a.action === selected ? html` selected` : ""}>${a.label}</option>`,
    )}</select>`;
}

export function filterForm(base: string, filters: AuditPageFilters): SafeHtml {
  return html`<form class="card filters" method="get" action="${base}/admin/audit" role="search">
  <div><label for="action">Action</label>${actionPicker(filters.action)}</div>
  <div><label for="outcome">Outcome</label><select id="outcome" name="outcome"><option value="">Any outcome</option>
    ${auditOutcomes.map((o) => html`<option value="${o}"${filters.outcome === o ? html` selected` : ""}>${outcomeWords[o]}</option>`)}</select></div>
  <div><label for="from">From (UTC)</label><input id="from" name="from" type="date" value="${filters.from ?? ""}"></div>
  <div><label for="to">To (UTC, inclusive)</label><input id="to" name="to" type="date" value="${filters.to ?? ""}"></div>
  <div><label for="actorId">Actor's user id</label><input id="actorId" name="actorId" type="text" value="${filters.actorId ?? ""}"></div>
  <div><label for="targetId">Target's user id</label><input id="targetId" name="targetId" type="text" value="${filters.targetId ?? ""}"></div>
  <div><button type="submit">Filter</button></div>
</form>`;
}

/** Broken entries by seq: the sentence each one's row carries. */
export function brokenRows(v: AuditVerification | null): ReadonlyMap<number, string> {
  if (v === null || v.ok) return new Map();
  return new Map(
    v.broken.map((b, index) => [b.seq, `${index === 0 ? "The first broken entry" : "A broken entry"}: ${b.problem}.`]),
  );
}

function entryRow(
  base: string,
  entry: AuditEntry,
  people: ReadonlyMap<string, string>,
  broken: ReadonlyMap<number, string>,
) {
  const fault = broken.get(entry.seq);
  return html`<tr${fault === undefined ? "" : html` class="broken" id="entry-${entry.seq}"`}>
<td class="num" data-label="Entry">${entry.seq}</td>
<td class="when" data-label="When">${dateTime(entry.at)}</td>
<td data-label="Who">${actorCell(base, entry, people)}</td>
<td data-label="Action">${actionLabel(entry.action)}</td>
<td data-label="Whom">${personCell(base, entry.targetId, people)}</td>
<td data-label="Outcome">${outcomeWords[entry.outcome]}</td>
<td class="what" data-label="What happened">${fault === undefined ? "" : html`<span class="broken-note">${fault}</span>`}${describeEntry(entry)}</td></tr>`;
}

export function entryTable(
  base: string,
  entries: readonly AuditEntry[],
  people: ReadonlyMap<string, string>,
  broken: ReadonlyMap<number, string>,
): SafeHtml {
  if (entries.length === 0) {
    return html`<p class="empty">No entries match. <a href="${base}/admin/audit">Show every entry</a></p>`;
  }
  return html`<div class="table-wrap"><table class="stacked">
<thead><tr><th scope="col">Entry</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th>
<th scope="col">Whom</th><th scope="col">Outcome</th><th scope="col">What happened</th></tr></thead>
<tbody>${entries.map((entry) => entryRow(base, entry, people, broken))}</tbody></table></div>`;
}

/**
 * Verification walks the whole chain, so a page view never runs it: the admin asks for it (?verify=1),
 * and the answer lists the broken entries it reports (marked in the table where they are on this page).
 */
export function verificationPanel(
  base: string,
  filters: AuditPageFilters,
  v: AuditVerification | null,
  showCode: boolean,
) {
  if (v === null) {
    return html`<p><a class="button secondary" href="${base}/admin/audit?${filterQuery(filters, { verify: "1" })}">Verify the chain</a></p>`;
  }
  if (v.ok) {
    return html`<p class="notice" role="status">The chain is verified: ${v.entries} entries, none edited, inserted or removed.</p>`;
  }
  const more = v.brokenCount - v.broken.length;
  return html`<div class="alert" role="alert" data-code="AUDIT_LOG_BROKEN"><strong>The audit log fails verification</strong>: ${v.brokenCount} broken ${v.brokenCount === 1 ? "entry" : "entries"}, the first is entry ${v.brokenAt} (marked below when it is on this page).
  <ul>${v.broken.map((b) => html`<li>Entry ${b.seq}: ${b.problem}.</li>`)}</ul>
  ${more > 0 ? html`<p>And ${more} more (<code>gatehouse audit verify</code> lists them all).</p>` : ""}
  ${showCode ? html`<small>Code: <code>AUDIT_LOG_BROKEN</code></small>` : ""}</div>`;
}

export function exportLinks(base: string, filters: AuditPageFilters): SafeHtml {
  return html`<p class="export">Export these entries (every page of them):
  <a href="${base}/admin/audit/export?${filterQuery(filters, { format: "csv" })}" download>CSV</a>
  <a href="${base}/admin/audit/export?${filterQuery(filters, { format: "jsonl" })}" download>JSON lines</a></p>`;
}
