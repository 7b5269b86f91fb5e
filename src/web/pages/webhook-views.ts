import { type EventType, eventTypes } from "../../domain/events/user-event.ts";
import type { DeliveryStatus } from "../../domain/webhooks/webhook-delivery.ts";
import { webhookDescriptionMaxLength, webhookUrlMaxLength } from "../../domain/webhooks/webhook-endpoint.ts";
import { disableReasonMaxLength, type WebhookEndpointView } from "../../domain/webhooks/webhook-fields.ts";
import type { DeliveryView } from "../../domain/webhooks/webhook-log.ts";
import type { TestEventOutcome } from "../../domain/webhooks/webhook-test-event.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";
import { type DeliveryLogFilter, deliveryLog } from "./webhook-delivery-views.ts";
import { endpointPath, shown, time } from "./webhook-view-parts.ts";

/**
 * @module
 * The markup of the webhook pages: the endpoint list and creation form, the page that shows a new secret
 * once, an endpoint's page (counts, edit, enable / disable, rotate, test, delete, its delivery log), one
 * delivery with every attempt, and the confirmation prompts. An endpoint's URL, description and disable
 * reason are an admin's text, and a receiver's answer snippet is a stranger's: each enters a page only
 * through `shown()`, which makes invisible and direction-changing characters visible, then `html` escapes it.
 */

function eventFilterText(types: readonly EventType[]): SafeHtml {
  return types.length === 0 ? html`all events` : html`<span class="mono">${types.join(" ")}</span>`;
}

function statusBadge(endpoint: WebhookEndpointView): SafeHtml {
  return endpoint.enabled
    ? html`<span class="badge">enabled</span>`
    : html`<span class="badge disabled">disabled</span>${endpoint.disabledReason === null ? "" : html` <span class="hint">${shown(endpoint.disabledReason)}</span>`}`;
}

/** The fields of the creation and edit forms as last sent, shown again after a refusal (never the password). */
export interface EndpointFormValues {
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[];
}

export const emptyEndpointForm: EndpointFormValues = { url: "", description: "", eventTypes: [] };

function endpointFields(values: EndpointFormValues, idPrefix: string, passwordHint: string): SafeHtml {
  return html`<label for="${idPrefix}-url">URL <span class="hint">(https; where the events are POSTed)</span></label>
  <input id="${idPrefix}-url" name="url" type="url" required maxlength="${webhookUrlMaxLength}" value="${shown(values.url)}" autocomplete="off">
  <label for="${idPrefix}-description">Description <span class="hint">(optional, up to ${webhookDescriptionMaxLength} characters)</span></label>
  <input id="${idPrefix}-description" name="description" type="text" maxlength="${webhookDescriptionMaxLength}" value="${shown(values.description)}" autocomplete="off">
  <fieldset class="scopes"><legend>Event types <span class="hint">(none checked: all events)</span></legend>
  ${eventTypes.map(
    (
      type,
    ) => html`<label><input type="checkbox" name="eventTypes" value="${type}"${values.eventTypes.includes(type) ? html` checked` : ""}>
    <span><code>${type}</code></span></label>`,
  )}
  </fieldset>
  <label for="${idPrefix}-password">Your password <span class="hint">(${passwordHint})</span></label>
  <input id="${idPrefix}-password" name="password" type="password" autocomplete="current-password">`;
}

export function webhooksPage(
  page: PageContext,
  endpoints: readonly WebhookEndpointView[],
  values: EndpointFormValues,
): SafeHtml {
  return html`<h1>Webhooks</h1>
<p class="hint">Each endpoint is sent every event it asks for (users created, changed, disabled, deleted, their
sessions ended), signed per Standard Webhooks, retried for about a day, in order per user.</p>
<section class="card" aria-labelledby="endpoints-title">
  <h2 id="endpoints-title">Endpoints</h2>
  ${
    endpoints.length === 0
      ? html`<p>No webhook endpoints.</p>`
      : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">URL</th><th scope="col" class="optional">Description</th><th scope="col">Events</th>
<th scope="col">Status</th><th scope="col" class="optional">Created</th></tr></thead>
<tbody>
${endpoints.map(
  (endpoint) => html`<tr>
  <td class="mono"><a href="${endpointPath(page, endpoint.id)}">${shown(endpoint.url)}</a></td>
  <td class="optional">${shown(endpoint.description)}</td>
  <td>${eventFilterText(endpoint.eventTypes)}</td>
  <td>${statusBadge(endpoint)}</td>
  <td class="optional">${time(endpoint.createdAt)}</td>
</tr>`,
)}
</tbody></table></div>`
  }
</section>
<form class="card" method="post" action="${page.base}/admin/webhooks" aria-labelledby="create-title">
  <h2 id="create-title">Add an endpoint</h2>
  ${csrfField(page)}
  ${endpointFields(values, "new", "adding an endpoint needs a recent sign-in")}
  <div class="actions"><button type="submit">Add endpoint</button></div>
</form>`;
}

/** How a receiver checks a delivery, with the standardwebhooks package (docs/events.md has the rest). */
const verificationSnippet = html`<pre class="schema"><code>import { Webhook } from "standardwebhooks";

const webhook = new Webhook(signingSecret); // the whsec_… above, kept in your secret store
// rawBody: the request body's exact text, before any JSON parsing
const event = webhook.verify(rawBody, {
  "webhook-id": request.headers["webhook-id"],
  "webhook-timestamp": request.headers["webhook-timestamp"],
  "webhook-signature": request.headers["webhook-signature"],
}); // throws on a bad signature or an old timestamp; deduplicate by webhook-id</code></pre>`;

function secretCard(secret: string, lead: SafeHtml): SafeHtml {
  return html`<section class="card" aria-labelledby="secret-title">
  <h2 id="secret-title">Copy the signing secret now</h2>
  <p><strong>This is the only time the secret is shown.</strong> It will not be shown again: if it is lost,
  rotate it.</p>
  ${lead}
  <code class="mono secret" id="webhook-secret">${secret}</code>
  <h3>Verifying a delivery</h3>
  ${verificationSnippet}
</section>`;
}

/** The one page that shows a new endpoint's secret: the answer to the creating POST, never a redirect's target. */
export function createdWebhookPage(page: PageContext, secret: string, endpoint: WebhookEndpointView): SafeHtml {
  return html`<h1>Webhook endpoint added</h1>
${secretCard(
  secret,
  html`<dl class="facts">
    <dt>Id</dt><dd class="mono">${endpoint.id}</dd>
    <dt>URL</dt><dd class="mono">${shown(endpoint.url)}</dd>
    <dt>Events</dt><dd>${eventFilterText(endpoint.eventTypes)}</dd>
  </dl>`,
)}
<p><a class="button" href="${endpointPath(page, endpoint.id)}">Go to the endpoint</a></p>`;
}

/** The answer to a rotation: the new secret, once, and until when the previous one still signs. */
export function rotatedSecretPage(page: PageContext, secret: string, endpoint: WebhookEndpointView): SafeHtml {
  const until = endpoint.previousSecretUntil;
  return html`<h1>Signing secret rotated</h1>
${secretCard(
  secret,
  html`<p>${
    until === null
      ? "The previous secret no longer signs: deliveries from now on carry only the new signature."
      : html`Until ${time(until)} every delivery carries a signature by the previous secret too, so receivers can switch without missing one.`
  }</p>`,
)}
<p><a class="button" href="${endpointPath(page, endpoint.id)}">Back to the endpoint</a></p>`;
}

export interface EndpointPageData {
  readonly endpoint: WebhookEndpointView;
  readonly counts: Readonly<Record<DeliveryStatus, number>>;
  readonly deliveries: readonly DeliveryView[];
  readonly nextBefore: string | null;
  readonly filter: DeliveryLogFilter;
  /** The edit form's values: the endpoint's own, or what a refused edit sent. */
  readonly values: EndpointFormValues;
}

export function endpointPage(page: PageContext, data: EndpointPageData): SafeHtml {
  const { endpoint, counts } = data;
  const path = endpointPath(page, endpoint.id);
  return html`<p><a href="${page.base}/admin/webhooks">← Back to webhooks</a></p>
<h1>Webhook endpoint</h1>
<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title" class="mono">${shown(endpoint.url)}</h2>
  <dl class="facts">
    <dt>Id</dt><dd class="mono">${endpoint.id}</dd>
    <dt>Description</dt><dd>${endpoint.description === "" ? html`<span class="hint">none</span>` : shown(endpoint.description)}</dd>
    <dt>Events</dt><dd>${eventFilterText(endpoint.eventTypes)}</dd>
    <dt>Status</dt><dd>${statusBadge(endpoint)}</dd>
    <dt>Created</dt><dd>${time(endpoint.createdAt)}</dd>
    ${endpoint.previousSecretUntil === null ? "" : html`<dt>Previous secret</dt><dd>signs too until ${time(endpoint.previousSecretUntil)}</dd>`}
    <dt>Deliveries</dt><dd>${counts.pending} pending, ${counts.delivered} delivered, ${counts.failed} failed</dd>
  </dl>
  <div class="actions">
    <form method="post" action="${path}/test">${csrfField(page)}<button type="submit" class="secondary">Send test event</button></form>
    ${
      endpoint.enabled
        ? html`<a class="button secondary" href="${path}/disable">Disable…</a>`
        : html`<form method="post" action="${path}/enable">${csrfField(page)}<button type="submit">Enable</button></form>`
    }
    <a class="button danger" href="${path}/delete">Delete…</a>
  </div>
  ${endpoint.enabled ? "" : html`<p class="hint">Enabling resumes where it stopped: the events committed while it was disabled are delivered, as far as retention kept them.</p>`}
</section>
<form class="card" method="post" action="${path}/edit" aria-labelledby="edit-title">
  <h2 id="edit-title">Edit</h2>
  ${csrfField(page)}
  ${endpointFields(data.values, "edit", "only a new URL needs a recent sign-in")}
  <div class="actions"><button type="submit">Save changes</button></div>
</form>
<form class="card" method="post" action="${path}/rotate-secret" aria-labelledby="rotate-title">
  <h2 id="rotate-title">Rotate the signing secret</h2>
  ${csrfField(page)}
  <p class="hint">A new secret is shown once. During the grace period deliveries carry both signatures.</p>
  <label for="grace">Previous secret keeps signing for</label>
  <select id="grace" name="grace">
    <option value="86400" selected>1 day</option>
    <option value="604800">7 days</option>
    <option value="0">no time: it stops now (after a leak)</option>
  </select>
  <label for="rotate-password">Your password <span class="hint">(rotating needs a recent sign-in)</span></label>
  <input id="rotate-password" name="password" type="password" autocomplete="current-password">
  <div class="actions"><button type="submit">Rotate secret</button></div>
</form>
${deliveryLog(page, endpoint, data.deliveries, data.nextBefore, data.filter)}`;
}

/** GET shows this and changes nothing; only its form's POST disables. */
export function disableEndpointPage(page: PageContext, endpoint: WebhookEndpointView): SafeHtml {
  const path = endpointPath(page, endpoint.id);
  return html`<p><a href="${path}">← Back</a></p>
<h1>Disable this webhook endpoint?</h1>
<form class="card" method="post" action="${path}/disable">
  ${csrfField(page)}
  <p class="mono">${shown(endpoint.url)}</p>
  <p>Nothing is sent to it while it is disabled. Enabling it later resumes where it stopped: what committed
  meanwhile is delivered then, as far as retention kept it.</p>
  <label for="reason">Reason <span class="hint">(shown on the endpoint, up to ${disableReasonMaxLength} characters)</span></label>
  <input id="reason" name="reason" type="text" maxlength="${disableReasonMaxLength}" autocomplete="off">
  <div class="actions"><button type="submit" class="danger">Disable the endpoint</button>
  <a href="${path}">Cancel</a></div>
</form>`;
}

/** GET shows this and changes nothing; only its form's POST deletes. */
export function deleteEndpointPage(page: PageContext, endpoint: WebhookEndpointView, pending: number): SafeHtml {
  const path = endpointPath(page, endpoint.id);
  return html`<p><a href="${path}">← Back</a></p>
<h1>Delete this webhook endpoint?</h1>
<form class="card" method="post" action="${path}/delete">
  ${csrfField(page)}
  <p class="mono">${shown(endpoint.url)}</p>
  <ul>
    <li>${pending === 0 ? "No delivery is pending." : html`<strong>${pending} pending deliver${pending === 1 ? "y is" : "ies are"} dropped</strong>: never sent.`}</li>
    <li>Its delivery log is deleted with it. This cannot be undone.</li>
  </ul>
  <label for="password">Your password <span class="hint">(deleting needs a recent sign-in)</span></label>
  <input id="password" name="password" type="password" autocomplete="current-password">
  <div class="actions"><button type="submit" class="danger">Delete the endpoint</button>
  <a href="${path}">Cancel</a></div>
</form>`;
}

export function testOutcomePage(page: PageContext, endpoint: WebhookEndpointView, outcome: TestEventOutcome): SafeHtml {
  return html`<p><a href="${endpointPath(page, endpoint.id)}">← Back to the endpoint</a></p>
<h1>Test event ${outcome.delivered ? "delivered" : "not delivered"}</h1>
<section class="card" aria-labelledby="outcome-title">
  <h2 id="outcome-title" class="mono">${shown(endpoint.url)}</h2>
  <dl class="facts">
    <dt>Outcome</dt><dd>${outcome.delivered ? html`<span class="badge">delivered</span>` : html`<span class="badge disabled">not delivered</span>`}</dd>
    <dt>HTTP status</dt><dd>${outcome.httpStatus === null ? "no answer" : outcome.httpStatus}</dd>
    <dt>Latency</dt><dd>${outcome.latencyMs} ms</dd>
    <dt>Event id</dt><dd class="mono">${outcome.eventId}</dd>
    ${outcome.error === null ? "" : html`<dt>Answer</dt><dd class="mono">${shown(outcome.error)}</dd>`}
  </dl>
  <p class="hint">A <code>webhook.test</code> event: not a user event, not in the events feed or the delivery log,
  sent whatever the endpoint's filter and whether it is enabled or not.</p>
</section>`;
}
