import type { SessionView } from "../../domain/sessions/session-lifecycle.ts";
import { dateText } from "../dates.ts";
import { html, type SafeHtml } from "../html.ts";

/** A table of sessions; `action` renders the per-row control (or nothing). */
export function sessionTable(
  sessions: readonly SessionView[],
  action: (s: SessionView) => SafeHtml | string,
): SafeHtml {
  if (sessions.length === 0) return html`<p>No live sessions.</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Device</th><th scope="col" class="optional">Address</th><th scope="col">Last active</th>
<th scope="col" class="optional">Signed in</th><th scope="col"><span class="skip">Action</span></th></tr></thead>
<tbody>
${sessions.map(
  (s) => html`<tr>
  <td>${s.userAgent || "Unknown device"} ${s.current ? html`<span class="badge current">this device</span>` : ""}</td>
  <td class="optional mono">${s.ip}</td>
  <td><time datetime="${s.lastSeenAt}">${formatTime(s.lastSeenAt)}</time></td>
  <td class="optional"><time datetime="${s.createdAt}">${formatTime(s.createdAt)}</time></td>
  <td>${action(s)}</td>
</tr>`,
)}
</tbody></table></div>`;
}

/** Kept for the views that call it: the one date format of every page (web/dates.ts). */
export function formatTime(iso: string): string {
  return dateText(iso);
}
