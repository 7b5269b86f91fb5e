import type { SessionView } from "../../domain/sessions/session-lifecycle.ts";
import { dateText } from "../dates.ts";
import { deviceName } from "../device-name.ts";
import { html, type SafeHtml } from "../html.ts";

/**
 * A table of sessions, the current device first and marked, each named as people name a device ("Chrome on
 * Linux"); `action` renders the per-row control (or nothing).
 */
export function sessionTable(
  sessions: readonly SessionView[],
  action: (s: SessionView) => SafeHtml | string,
): SafeHtml {
  if (sessions.length === 0) return html`<p>No live sessions.</p>`;
  // Stable: the rest keep the order the use case gave.
  const ordered = [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Device</th><th scope="col" class="optional">Address</th><th scope="col">Last active</th>
<th scope="col" class="optional">Signed in</th><th scope="col"><span class="skip">Action</span></th></tr></thead>
<tbody>
${ordered.map(
  (s) => html`<tr${s.current ? html` class="current-device"` : ""}>
  <td>${deviceName(s.userAgent)} ${s.current ? html`<span class="badge current">this device</span>` : ""}</td>
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
