import type { DeliveryStatus } from "../../domain/webhooks/webhook-delivery.ts";
import type { WebhookEndpointView } from "../../domain/webhooks/webhook-fields.ts";
import type { AttemptView, DeliveryView } from "../../domain/webhooks/webhook-log.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { deliveryPath, endpointPath, shown, time } from "./webhook-view-parts.ts";

/**
 * @module
 * The markup of an endpoint's delivery log (a section of its page) and of one delivery with every attempt
 * and the redeliver action. A receiver's answer snippet is a stranger's text: it enters only through `shown()`.
 */

export interface DeliveryLogFilter {
  readonly status?: DeliveryStatus | undefined;
  readonly before?: string | undefined;
}

const deliveryStatuses: readonly DeliveryStatus[] = ["pending", "delivered", "failed"];

function lastAnswer(delivery: DeliveryView): SafeHtml {
  if (delivery.lastAttemptAt === null) return html`not tried yet`;
  const status = delivery.lastStatus === null ? "no answer" : `HTTP ${delivery.lastStatus}`;
  return html`${status}, ${delivery.lastLatencyMs ?? 0} ms${delivery.lastError === null ? "" : html`<br><span class="hint mono">${shown(delivery.lastError)}</span>`}`;
}

function deliveryStatusText(delivery: DeliveryView): SafeHtml {
  const badge = html`<span class="badge ${delivery.status === "failed" ? "disabled" : ""}">${delivery.status}</span>`;
  if (delivery.status !== "pending") return badge;
  if (delivery.inFlight) return html`${badge} <span class="hint">being sent</span>`;
  return html`${badge} <span class="hint">next ${time(delivery.nextAttemptAt)}</span>`;
}

export function deliveryLog(
  page: PageContext,
  endpoint: WebhookEndpointView,
  deliveries: readonly DeliveryView[],
  nextBefore: string | null,
  filter: DeliveryLogFilter,
): SafeHtml {
  const older = new URLSearchParams();
  if (filter.status !== undefined) older.set("status", filter.status);
  if (nextBefore !== null) older.set("before", nextBefore);
  const path = endpointPath(page, endpoint.id);
  return html`<section class="card" aria-labelledby="log-title">
  <h2 id="log-title">Delivery log <span class="hint">(newest first)</span></h2>
  <form class="filters" method="get" action="${path}" role="search">
    <div><label for="status">Status</label><select id="status" name="status">
      <option value=""${filter.status === undefined ? html` selected` : ""}>Any status</option>
      ${deliveryStatuses.map((s) => html`<option value="${s}"${filter.status === s ? html` selected` : ""}>${s}</option>`)}
    </select></div>
    <div><button type="submit">Filter</button></div>
  </form>
  ${
    deliveries.length === 0
      ? html`<p>No deliveries${filter.status === undefined ? "" : ` with status ${filter.status}`}.</p>`
      : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Event</th><th scope="col" class="optional">User</th><th scope="col">Status</th>
<th scope="col">Attempts</th><th scope="col">Last answer</th></tr></thead>
<tbody>
${deliveries.map(
  (delivery) => html`<tr>
  <td><a href="${deliveryPath(page, endpoint.id, delivery.id)}"><code>${delivery.eventType}</code></a></td>
  <td class="optional mono">${delivery.userId}</td>
  <td>${deliveryStatusText(delivery)}</td>
  <td>${delivery.attempts}</td>
  <td>${lastAnswer(delivery)}</td>
</tr>`,
)}
</tbody></table></div>`
  }
  ${nextBefore === null ? "" : html`<p><a class="button secondary" href="${path}?${older.toString()}">Older deliveries</a></p>`}
</section>`;
}

/** Why a redelivery was refused, as a sentence for the person who asked. */
export const redeliveryRefusals: Readonly<Record<"WEBHOOK_DISABLED" | "WEBHOOK_DELIVERY_IN_FLIGHT", string>> = {
  WEBHOOK_DISABLED: "The endpoint is disabled, so nothing would be sent. Enable it first, then redeliver.",
  WEBHOOK_DELIVERY_IN_FLIGHT: "This delivery is being sent right now. Wait a moment and look again.",
};

export function deliveryPage(
  page: PageContext,
  endpoint: WebhookEndpointView,
  delivery: DeliveryView,
  attempts: readonly AttemptView[],
): SafeHtml {
  return html`<p><a href="${endpointPath(page, endpoint.id)}">← Back to the endpoint</a></p>
<h1>Delivery of <code>${delivery.eventType}</code></h1>
<section class="card" aria-labelledby="delivery-title">
  <h2 id="delivery-title" class="mono">${shown(endpoint.url)}</h2>
  <dl class="facts">
    <dt>Delivery id</dt><dd class="mono">${delivery.id}</dd>
    <dt>Event id</dt><dd class="mono">${delivery.eventId} <span class="hint">(the webhook-id)</span></dd>
    <dt>User</dt><dd class="mono">${delivery.userId}</dd>
    <dt>Status</dt><dd>${deliveryStatusText(delivery)}</dd>
    <dt>Attempts</dt><dd>${delivery.attempts} in the current schedule</dd>
    ${delivery.deliveredAt === null ? "" : html`<dt>Delivered</dt><dd>${time(delivery.deliveredAt)}</dd>`}
  </dl>
  <form method="post" action="${deliveryPath(page, endpoint.id, delivery.id)}/redeliver">${csrfField(page)}
    <p class="hint">Sends it again now on a fresh retry schedule, with the same webhook-id.</p>
    <button type="submit">Redeliver</button></form>
</section>
<section class="card" aria-labelledby="attempts-title">
  <h2 id="attempts-title">Every attempt</h2>
  ${
    attempts.length === 0
      ? html`<p>Not tried yet.</p>`
      : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">HTTP status</th><th scope="col">Latency</th>
<th scope="col">Answer or error</th></tr></thead>
<tbody>
${attempts.map(
  (attempt) => html`<tr>
  <td>${attempt.attempt}</td>
  <td>${time(attempt.attemptedAt)}</td>
  <td>${attempt.httpStatus === null ? "no answer" : attempt.httpStatus}</td>
  <td>${attempt.latencyMs} ms</td>
  <td class="mono">${attempt.error === null ? "" : shown(attempt.error)}</td>
</tr>`,
)}
</tbody></table></div>`
  }
</section>`;
}
