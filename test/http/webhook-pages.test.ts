import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, mock, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { deliverDue, type WorkerSettings } from "../../src/domain/webhooks/delivery-worker.ts";
import {
  createSignedInUser,
  createUser,
  goodPassword,
  leaveReauthWindow,
  type SignedInUser,
} from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";
import { type ReceivedRequest, WebhookReceiver } from "../support/webhook-receiver.ts";

/**
 * Issue 14 point 5: webhook endpoints on the admin pages, driven as a browser drives them (form posts with
 * `_csrf`, checkboxes repeated, redirects read by hand), against a real loopback receiver (the test app's
 * sender allows loopback http, as WEBHOOK_ALLOW_HTTP + WEBHOOK_ALLOW_PRIVATE_ADDRESSES do). The pages call
 * the same use cases as /api/webhooks; a secret is shown once, on the answer to the POST that made it.
 */
const secretPattern = /whsec_[A-Za-z0-9+/]{43}=/;
const settings: WorkerSettings = { pollMs: 10, batch: 50, claimMs: 60_000 };

function csrfOf(body: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
  assert.ok(token !== undefined, "the page carries a _csrf field");
  return token;
}

/** A form as a browser posts it: several checked boxes are the same field repeated. */
function formOf(fields: Readonly<Record<string, string | readonly string[] | undefined>>) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const one of typeof value === "string" ? [value] : value) body.append(name, one);
  }
  return { payload: body.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } };
}

/** A request as the standardwebhooks library checks it, at the test clock's time (which the signature carries). */
function verifiedBy(
  secret: string,
  request: ReceivedRequest | undefined,
  now: number,
): { type: string; data: { user_id: string } } {
  assert.ok(request !== undefined, "a request arrived");
  mock.timers.enable({ apis: ["Date"], now });
  try {
    return new Webhook(secret).verify(request.body, {
      "webhook-id": String(request.headers["webhook-id"]),
      "webhook-timestamp": String(request.headers["webhook-timestamp"]),
      "webhook-signature": String(request.headers["webhook-signature"]),
    }) as { type: string; data: { user_id: string } };
  } finally {
    mock.timers.reset();
  }
}

const endpointIdIn = (body: string) => /\/admin\/webhooks\/(whe_[A-Za-z0-9_-]{22})/.exec(body)?.[1];

for (const engine of engines) {
  describe(`issue 14.5: the webhook pages (${engine})`, () => {
    let t: TestApp;
    let receiver: WebhookReceiver;
    let admin: SignedInUser;
    let device: HttpClient;
    before(async () => {
      t = await startTestApp(engine, {
        webhooks: { timeoutMs: 2_000, allowHttp: true, allowPrivateAddresses: true },
      });
      // Signatures carry the clock's time, which the receiver's library checks: the test clock starts at now.
      t.clock.advance(Date.now() - t.clock.now());
    });
    after(() => t.close());
    beforeEach(async () => {
      receiver = await new WebhookReceiver().start();
      admin = await createSignedInUser(t, "admin");
      device = admin.device;
    });
    afterEach(() => receiver.stop());

    /** Adds an endpoint through the page (with the password), answering its id and the secret shown. */
    async function addEndpoint(fields: { url?: string; description?: string; eventTypes?: string[] } = {}) {
      const csrf = csrfOf((await device.get("/admin/webhooks")).body);
      const created = await device.request(
        "POST",
        "/admin/webhooks",
        formOf({
          _csrf: csrf,
          url: fields.url ?? receiver.url,
          description: fields.description ?? "page receiver",
          eventTypes: fields.eventTypes,
          password: goodPassword,
        }),
      );
      assert.equal(created.statusCode, 200, created.body);
      const secret = secretPattern.exec(created.body)?.[0];
      const id = endpointIdIn(created.body);
      assert.ok(secret !== undefined && id !== undefined, created.body);
      return { id, secret, page: created };
    }

    async function drain(): Promise<void> {
      for (let round = 0; round < 100; round += 1) {
        if ((await deliverDue(t.deps, t.deps.webhookSender, settings)) === 0) return;
      }
      assert.fail("the worker never ran out of due deliveries");
    }

    const endpointPage = (id: string, query = "") => device.get(`/admin/webhooks/${id}${query}`);

    test("the admin navigation links the page; a plain user and a visitor are refused it, and a plain user's form post creates nothing", async () => {
      const account = await device.get("/account");
      assert.match(account.body, /<a href="\/admin\/webhooks">Webhooks<\/a>/);
      const page = await device.get("/admin/webhooks");
      assert.equal(page.statusCode, 200);
      for (const type of ["user.created", "user.deleted", "sessions.revoked"]) {
        assert.match(page.body, new RegExp(`type="checkbox" name="eventTypes" value="${type}"`), type);
      }
      assert.match(
        page.body,
        /<form class="card" method="post" action="\/admin\/webhooks"[^>]*>\s*<h2[^>]*>[^<]*<\/h2>\s*<input type="hidden" name="_csrf"/,
      );

      const plain = await createSignedInUser(t);
      assert.doesNotMatch((await plain.device.get("/account")).body, /admin\/webhooks/);
      const refused = await plain.device.get("/admin/webhooks");
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /FORBIDDEN/);
      const csrf = csrfOf((await plain.device.get("/account")).body);
      const before = (await t.store.webhooks.listWebhookEndpoints()).length;
      const posted = await plain.device.request(
        "POST",
        "/admin/webhooks",
        formOf({ _csrf: csrf, url: receiver.url, password: goodPassword }),
      );
      assert.equal(posted.statusCode, 403);
      assert.equal((await t.store.webhooks.listWebhookEndpoints()).length, before, "nothing was created");
      const visitor = await t.client().get("/admin/webhooks");
      assert.equal(visitor.statusCode, 303);
      assert.match(String(visitor.headers.location), /^\/login\?next=/);
    });

    test("creation asks a stale session for its password and keeps the form; with it the secret is shown once, no-store, and signs what the receiver gets", async () => {
      const csrf = csrfOf((await device.get("/admin/webhooks")).body);
      leaveReauthWindow(t);
      const fields = {
        _csrf: csrf,
        url: receiver.url,
        description: "billing sync",
        eventTypes: ["user.deleted", "user.created"],
      };
      const before = (await t.store.webhooks.listWebhookEndpoints()).length;
      const stale = await device.request("POST", "/admin/webhooks", formOf(fields));
      assert.equal(stale.statusCode, 403, stale.body);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.match(stale.body, /name="url" type="url"[^>]*value="http:\/\/127\.0\.0\.1:\d+\/hook"/);
      assert.match(stale.body, /name="description" type="text"[^>]*value="billing sync"/);
      assert.match(stale.body, /value="user.deleted" checked/);
      assert.match(stale.body, /value="user.created" checked/);
      assert.doesNotMatch(stale.body, /value="user.updated" checked/);
      assert.equal((await t.store.webhooks.listWebhookEndpoints()).length, before, "nothing was created");
      const wrong = await device.request("POST", "/admin/webhooks", formOf({ ...fields, password: "not it at all" }));
      assert.equal(wrong.statusCode, 403);
      assert.match(wrong.body, /WRONG_PASSWORD/);

      const created = await device.request("POST", "/admin/webhooks", formOf({ ...fields, password: goodPassword }));
      assert.equal(created.statusCode, 200, created.body);
      assert.equal(created.headers["cache-control"], "no-store");
      assert.equal(created.headers.location, undefined, "the secret is the POST's own answer, not a redirect's");
      assert.match(created.body, /only time the secret is shown/);
      assert.match(created.body, /will not be shown again/);
      assert.match(created.body, /import \{ Webhook \} from "standardwebhooks";[^<]*webhook\.verify\(rawBody/);
      const secret = secretPattern.exec(created.body)?.[0];
      const id = endpointIdIn(created.body);
      assert.ok(secret !== undefined && id !== undefined);
      const stored = await t.store.webhooks.getWebhookEndpoint(id);
      assert.deepEqual(stored?.eventTypes, ["user.deleted", "user.created"]);
      assert.equal(stored?.description, "billing sync");
      const [audited] = await auditOf(t, { actorId: admin.user.id, action: "webhooks.create", outcome: "success" });
      assert.equal(audited?.details.endpointId, id);

      // What this endpoint is sent verifies with the secret the page showed.
      const user = await createUser(t);
      await drain();
      const verified = verifiedBy(secret, receiver.received.at(-1), t.clock.now());
      assert.equal(verified.type, "user.created");
      assert.equal(verified.data.user_id, user.id);

      // Every page after that one: no secret, nor any part of it.
      const [delivery] = await t.store.webhooks.listWebhookDeliveries(id, { status: null, before: null, limit: 5 });
      assert.ok(delivery !== undefined);
      for (const path of [
        "/admin/webhooks",
        `/admin/webhooks/${id}`,
        `/admin/webhooks/${id}/disable`,
        `/admin/webhooks/${id}/delete`,
        `/admin/webhooks/${id}/deliveries/${delivery.id}`,
        "/admin/audit",
      ]) {
        const later = await device.get(path);
        assert.equal(later.statusCode, 200, path);
        assert.ok(!later.body.includes(secret.slice(6, 40)), `${path} shows no part of the secret`);
      }
      const testCsrf = csrfOf((await endpointPage(id)).body);
      const tested = await device.request("POST", `/admin/webhooks/${id}/test`, formOf({ _csrf: testCsrf }));
      assert.ok(!tested.body.includes(secret.slice(6, 40)), "the test outcome shows no secret");
    });

    test("the list and the endpoint page show URL, description, filter or all events, status and counts; hostile text is escaped or refused", async () => {
      const listCsrf = csrfOf((await device.get("/admin/webhooks")).body);
      const bidi = await device.request(
        "POST",
        "/admin/webhooks",
        formOf({ _csrf: listCsrf, url: receiver.url, description: "\u202Egnp.exe", password: goodPassword }),
      );
      assert.equal(bidi.statusCode, 400, "a bidi override in a description is refused");
      assert.match(bidi.body, /may not contain control or invisible formatting characters/);
      assert.ok(!bidi.body.includes("\u202E"), "and not echoed back as it was");
      const hostile = `<img src=x onerror=alert(1)> gnp.exe "quoted"`;
      const { id } = await addEndpoint({ description: hostile });
      const all = await addEndpoint({ description: "" });
      const list = await device.get("/admin/webhooks");
      assert.equal(list.statusCode, 200);
      assert.ok(!list.body.includes("<img src=x"), "markup is never the admin's text");
      assert.ok(!list.body.includes("\u202E"), "no bidi override reaches the page");
      assert.match(list.body, /&lt;img src=x onerror=alert\(1\)&gt; gnp\.exe &quot;quoted&quot;/);
      assert.match(list.body, new RegExp(`href="/admin/webhooks/${all.id}">http://127\\.0\\.0\\.1:\\d+/hook</a>`));
      assert.match(list.body, /all events/);
      const page = await endpointPage(id);
      assert.equal(page.statusCode, 200);
      assert.ok(!page.body.includes("<img src=x") && !page.body.includes("\u202E"));
      assert.match(page.body, /0 pending, 0 delivered, 0 failed/);
      assert.match(page.body, /<span class="badge">enabled<\/span>/);

      // A URL with markup in it: the use case stores it percent-encoded, and the page escapes what is left.
      const odd = await addEndpoint({ url: `${receiver.url}?q="><script>alert(1)</script>` });
      const oddPage = await endpointPage(odd.id);
      assert.ok(!oddPage.body.includes("<script>alert"), "no markup from a URL");
      // Too long a description: refused before anything is created.
      const csrf = csrfOf(list.body);
      const before = (await t.store.webhooks.listWebhookEndpoints()).length;
      const long = await device.request(
        "POST",
        "/admin/webhooks",
        formOf({ _csrf: csrf, url: receiver.url, description: "d".repeat(201), password: goodPassword }),
      );
      assert.equal(long.statusCode, 400);
      const ftp = await device.request(
        "POST",
        "/admin/webhooks",
        formOf({ _csrf: csrf, url: "ftp://example.com/hook", password: goodPassword }),
      );
      assert.equal(ftp.statusCode, 400);
      assert.match(ftp.body, /VALIDATION_FAILED/);
      const unknownType = await device.request(
        "POST",
        "/admin/webhooks",
        formOf({ _csrf: csrf, url: receiver.url, eventTypes: ["user.exploded"], password: goodPassword }),
      );
      assert.equal(unknownType.statusCode, 400);
      assert.equal((await t.store.webhooks.listWebhookEndpoints()).length, before, "nothing was created");
    });

    test("editing: description and filter need no password, a new URL does; the form keeps what was sent", async () => {
      const { id } = await addEndpoint({ eventTypes: ["user.deleted"] });
      const csrf = csrfOf((await endpointPage(id)).body);
      leaveReauthWindow(t);
      const edited = await device.request(
        "POST",
        `/admin/webhooks/${id}/edit`,
        formOf({
          _csrf: csrf,
          url: receiver.url,
          description: "renamed",
          eventTypes: ["user.created", "user.deleted"],
        }),
      );
      assert.equal(edited.statusCode, 303, edited.body);
      assert.equal(edited.headers.location, `/admin/webhooks/${id}?notice=webhook-updated`);
      let stored = await t.store.webhooks.getWebhookEndpoint(id);
      assert.equal(stored?.description, "renamed");
      assert.deepEqual(stored?.eventTypes, ["user.created", "user.deleted"]);
      const shown = await device.get(String(edited.headers.location));
      assert.match(shown.body, /The webhook endpoint is saved\./);
      assert.match(shown.body, /value="user.created" checked/);

      const moved = `http://127.0.0.1:${receiver.port}/elsewhere`;
      const stale = await device.request(
        "POST",
        `/admin/webhooks/${id}/edit`,
        formOf({ _csrf: csrf, url: moved, description: "renamed again" }),
      );
      assert.equal(stale.statusCode, 403, stale.body);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.match(stale.body, /value="http:\/\/127\.0\.0\.1:\d+\/elsewhere"/);
      assert.match(stale.body, /value="renamed again"/);
      stored = await t.store.webhooks.getWebhookEndpoint(id);
      assert.equal(stored?.url, receiver.url, "unchanged");
      assert.equal(stored?.description, "renamed", "nothing of a refused edit is applied");
      const withPassword = await device.request(
        "POST",
        `/admin/webhooks/${id}/edit`,
        formOf({ _csrf: csrf, url: moved, description: "renamed again", password: goodPassword }),
      );
      assert.equal(withPassword.statusCode, 303, withPassword.body);
      stored = await t.store.webhooks.getWebhookEndpoint(id);
      assert.equal(stored?.url, moved);
      assert.deepEqual(stored?.eventTypes, [], "no box checked: all events");
      const [audited] = await auditOf(t, { actorId: admin.user.id, action: "webhooks.update", outcome: "success" });
      assert.equal(audited?.details.endpointId, id);
      assert.match(String(audited?.details.changed), /url/);
    });

    test("disabling asks first with a reason, which the endpoint then shows escaped; enabling resumes at its cursor", async () => {
      const { id } = await addEndpoint();
      const prompt = await device.get(`/admin/webhooks/${id}/disable`);
      assert.equal(prompt.statusCode, 200);
      assert.match(prompt.body, /Disable this webhook endpoint\?/);
      assert.equal((await t.store.webhooks.getWebhookEndpoint(id))?.enabled, true, "the GET changed nothing");
      const csrf = csrfOf(prompt.body);
      const reason = `receiver <b>moved</b> txt`;
      const disabled = await device.request("POST", `/admin/webhooks/${id}/disable`, formOf({ _csrf: csrf, reason }));
      assert.equal(disabled.statusCode, 303, disabled.body);
      assert.equal(disabled.headers.location, `/admin/webhooks/${id}?notice=webhook-disabled`);
      const page = await device.get(String(disabled.headers.location));
      assert.match(page.body, /<span class="badge disabled">disabled<\/span>/);
      assert.match(page.body, /disabled by an admin: receiver &lt;b&gt;moved&lt;\/b&gt; txt/);
      assert.ok(!page.body.includes("<b>moved") && !page.body.includes("\u202E"));
      const tooLong = await device.request(
        "POST",
        `/admin/webhooks/${id}/disable`,
        formOf({ _csrf: csrf, reason: "r".repeat(201) }),
      );
      assert.equal(tooLong.statusCode, 400);

      // While it is disabled a user is created: enabling delivers it.
      const user = await createUser(t);
      await drain();
      assert.ok(!receiver.received.some((r) => r.body.includes(user.id)), "nothing is sent while disabled");
      const enabled = await device.request("POST", `/admin/webhooks/${id}/enable`, formOf({ _csrf: csrf }));
      assert.equal(enabled.statusCode, 303);
      assert.equal(enabled.headers.location, `/admin/webhooks/${id}?notice=webhook-enabled`);
      assert.equal((await t.store.webhooks.getWebhookEndpoint(id))?.disabledReason, null);
      await drain();
      assert.ok(
        receiver.received.some((r) => r.body.includes(user.id)),
        "what committed meanwhile is delivered",
      );
    });

    test("rotating needs the password, offers a grace period, and shows the new secret once; 0 ends the old one at once", async () => {
      const { id, secret: first } = await addEndpoint();
      const page = await endpointPage(id);
      assert.match(page.body, /<option value="86400" selected>1 day<\/option>/);
      assert.match(page.body, /<option value="0">/);
      const csrf = csrfOf(page.body);
      leaveReauthWindow(t);
      const stale = await device.request(
        "POST",
        `/admin/webhooks/${id}/rotate-secret`,
        formOf({ _csrf: csrf, grace: "0" }),
      );
      assert.equal(stale.statusCode, 403);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.equal((await t.store.webhooks.getWebhookEndpoint(id))?.secret, first, "not rotated");
      const badGrace = await device.request(
        "POST",
        `/admin/webhooks/${id}/rotate-secret`,
        formOf({ _csrf: csrf, grace: "999999999", password: goodPassword }),
      );
      assert.equal(badGrace.statusCode, 400);

      const rotated = await device.request(
        "POST",
        `/admin/webhooks/${id}/rotate-secret`,
        formOf({ _csrf: csrf, grace: "0", password: goodPassword }),
      );
      assert.equal(rotated.statusCode, 200, rotated.body);
      assert.equal(rotated.headers["cache-control"], "no-store");
      assert.match(rotated.body, /will not be shown again/);
      assert.match(rotated.body, /The previous secret no longer signs/);
      const second = secretPattern.exec(rotated.body)?.[0];
      assert.ok(second !== undefined && second !== first);
      assert.ok(!rotated.body.includes(first), "the old secret is not shown");
      assert.equal((await t.store.webhooks.getWebhookEndpoint(id))?.secret, second);
      const later = await endpointPage(id);
      assert.ok(!later.body.includes(second.slice(6, 40)), "the endpoint page does not show it");

      const daily = await device.request(
        "POST",
        `/admin/webhooks/${id}/rotate-secret`,
        formOf({ _csrf: csrf, grace: "86400" }),
      );
      assert.equal(daily.statusCode, 200, "within the fresh proof, no second password");
      assert.match(daily.body, /every delivery carries a signature by the previous secret too/);
      assert.match((await endpointPage(id)).body, /Previous secret<\/dt><dd>signs too until/);
    });

    test("send test event shows the outcome: delivered with status and latency, or not with the cut snippet", async () => {
      const { id, secret } = await addEndpoint({ eventTypes: ["user.deleted"] });
      const csrf = csrfOf((await endpointPage(id)).body);
      const ok = await device.request("POST", `/admin/webhooks/${id}/test`, formOf({ _csrf: csrf }));
      assert.equal(ok.statusCode, 200, ok.body);
      assert.match(ok.body, /<h1>Test event delivered<\/h1>/);
      assert.match(ok.body, /HTTP status<\/dt><dd>200<\/dd>/);
      assert.match(ok.body, /Latency<\/dt><dd>\d+ ms<\/dd>/);
      const verified = verifiedBy(secret, receiver.received.at(-1), t.clock.now());
      assert.equal(verified.type, "webhook.test", "sent whatever the filter");
      assert.match((await endpointPage(id)).body, /No deliveries\./, "not in the delivery log");

      const leaked = `whsec_${"A".repeat(43)}=`;
      receiver.answers.push({ status: 500, body: `<b>boom</b> ${leaked} \u202Eevil` });
      const failed = await device.request("POST", `/admin/webhooks/${id}/test`, formOf({ _csrf: csrf }));
      assert.equal(failed.statusCode, 200);
      assert.match(failed.body, /<h1>Test event not delivered<\/h1>/);
      assert.match(failed.body, /HTTP status<\/dt><dd>500<\/dd>/);
      assert.match(failed.body, /&lt;b&gt;boom&lt;\/b&gt; \[cut\] \\u\{202e\}evil/);
      assert.ok(!failed.body.includes(leaked) && !failed.body.includes("<b>boom"));

      await receiver.stop();
      const down = await device.request("POST", `/admin/webhooks/${id}/test`, formOf({ _csrf: csrf }));
      assert.match(down.body, /Test event not delivered/);
      assert.match(down.body, /HTTP status<\/dt><dd>no answer<\/dd>/);
      const entries = await auditOf(t, { actorId: admin.user.id, action: "webhooks.test" });
      assert.deepEqual(
        entries.slice(0, 3).map((e) => e.outcome),
        ["failure", "failure", "success"],
      );
    });

    test("the delivery log: newest first, status filter, older page, a delivery's every attempt, redelivery and its refusals as sentences", async () => {
      const { id } = await addEndpoint({ eventTypes: ["user.created"] });
      const users = [];
      for (let index = 0; index < 52; index += 1) users.push(await createUser(t));
      // The first delivery sent fails once, then the receiver answers 200.
      receiver.answers.push({ status: 503, body: "busy" });
      await drain();
      const page = await endpointPage(id);
      assert.equal(page.statusCode, 200);
      const rows = [...page.body.matchAll(/<tr>\s*<td><a href="\/admin\/webhooks\/[^"]+\/deliveries\/([^"]+)">/g)];
      assert.equal(rows.length, 50, "a page of 50");
      assert.match(page.body, /1 pending, 51 delivered, 0 failed/);
      const older = /href="(\/admin\/webhooks\/[^"]+\?before=[^"]+)">Older deliveries/.exec(page.body)?.[1];
      assert.ok(older !== undefined, "an older-page link");
      const olderPage = await device.get(older.replaceAll("&amp;", "&"));
      assert.equal(olderPage.statusCode, 200);
      assert.equal([...olderPage.body.matchAll(/\/deliveries\/[^"]+">/g)].length, 2);
      assert.doesNotMatch(olderPage.body, /Older deliveries/);

      const pending = await endpointPage(id, "?status=pending");
      assert.match(pending.body, /<option value="pending" selected>/);
      const pendingRows = [...pending.body.matchAll(/\/deliveries\/([^"]+)">/g)].map((m) => m[1]);
      assert.equal(pendingRows.length, 1);
      const [stuck] = await t.store.webhooks.listWebhookDeliveries(id, { status: "pending", before: null, limit: 5 });
      assert.ok(stuck !== undefined && users.some((user) => user.id === stuck.userId));
      assert.match(pending.body, new RegExp(`<td class="optional mono">${stuck.userId}</td>`), "its user");
      assert.match(pending.body, /HTTP 503, \d+ ms<br><span class="hint mono">busy<\/span>/);
      assert.match(pending.body, /badge ">pending<\/span> <span class="hint">next <time/);
      assert.match((await endpointPage(id, "?status=")).body, /Older deliveries/, "an empty select is any status");
      assert.equal((await endpointPage(id, "?status=lost")).statusCode, 400);
      assert.equal((await endpointPage(id, "?before=nope")).statusCode, 400);

      const deliveryId = pendingRows[0];
      assert.ok(deliveryId !== undefined);
      const path = `/admin/webhooks/${id}/deliveries/${deliveryId}`;
      const delivery = await device.get(path);
      assert.equal(delivery.statusCode, 200);
      assert.match(delivery.body, /<td>1<\/td>\s*<td><time[^>]*>[^<]*<\/time><\/td>\s*<td>503<\/td>/);
      const csrf = csrfOf(delivery.body);

      // The retry is due; the worker claims it: redelivery is refused while it is in flight.
      t.clock.advance(5 * 60_000);
      // Other tests' endpoints share this database: claim every due delivery, so this one is surely among them.
      const claimed = await t.store.webhooks.claimDueDeliveries(t.clock.now(), t.clock.now() + 60_000, 1_000);
      assert.ok(
        claimed.some((c) => c.id === deliveryId),
        "the worker claimed it",
      );
      const inFlight = await device.request("POST", `${path}/redeliver`, formOf({ _csrf: csrf }));
      assert.equal(inFlight.statusCode, 409);
      assert.match(inFlight.body, /being sent right now\. Wait a moment/);
      assert.match(inFlight.body, /WEBHOOK_DELIVERY_IN_FLIGHT/);
      t.clock.advance(61_000);
      await drain();
      assert.match((await device.get(path)).body, /badge ">delivered<\/span>/);

      const disableCsrf = csrfOf((await device.get(`/admin/webhooks/${id}/disable`)).body);
      await device.request("POST", `/admin/webhooks/${id}/disable`, formOf({ _csrf: disableCsrf }));
      const disabled = await device.request("POST", `${path}/redeliver`, formOf({ _csrf: csrf }));
      assert.equal(disabled.statusCode, 409);
      assert.match(disabled.body, /The endpoint is disabled, so nothing would be sent\. Enable it first/);
      await device.request("POST", `/admin/webhooks/${id}/enable`, formOf({ _csrf: csrf }));

      const before = receiver.received.length;
      const redelivered = await device.request("POST", `${path}/redeliver`, formOf({ _csrf: csrf }));
      assert.equal(redelivered.statusCode, 303, redelivered.body);
      assert.equal(redelivered.headers.location, `${path}?notice=webhook-redelivered`);
      await drain();
      assert.equal(receiver.received.length, before + 1);
      const again = await device.get(String(redelivered.headers.location));
      assert.match(again.body, /sent again now, on a fresh retry schedule/);
      // Every attempt over the delivery's life: the 503, the retry's 200, the redelivery's 200.
      assert.equal([...again.body.matchAll(/<td>(\d+)<\/td>\s*<td><time/g)].length, 3);
      assert.equal((await device.get(`/admin/webhooks/${id}/deliveries/nope`)).statusCode, 404);
    });

    test("deleting asks first, saying how many pending deliveries are dropped, needs the password, then the endpoint is gone", async () => {
      const { id } = await addEndpoint();
      await receiver.stop();
      await createUser(t);
      await createUser(t);
      await drain();
      const prompt = await device.get(`/admin/webhooks/${id}/delete`);
      assert.equal(prompt.statusCode, 200);
      assert.match(prompt.body, /<strong>2 pending deliveries are dropped<\/strong>/);
      assert.ok((await t.store.webhooks.getWebhookEndpoint(id)) !== null, "the GET changed nothing");
      const csrf = csrfOf(prompt.body);
      leaveReauthWindow(t);
      const stale = await device.request("POST", `/admin/webhooks/${id}/delete`, formOf({ _csrf: csrf }));
      assert.equal(stale.statusCode, 403);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.match(stale.body, /2 pending deliveries are dropped/);
      assert.ok((await t.store.webhooks.getWebhookEndpoint(id)) !== null);
      const deleted = await device.request(
        "POST",
        `/admin/webhooks/${id}/delete`,
        formOf({ _csrf: csrf, password: goodPassword }),
      );
      assert.equal(deleted.statusCode, 303, deleted.body);
      assert.equal(deleted.headers.location, "/admin/webhooks?notice=webhook-deleted");
      assert.equal(await t.store.webhooks.getWebhookEndpoint(id), null);
      const [audited] = await auditOf(t, { actorId: admin.user.id, action: "webhooks.delete", outcome: "success" });
      assert.equal(audited?.details.pendingDropped, 2);
      const gone = await endpointPage(id);
      assert.equal(gone.statusCode, 404);
      assert.match(gone.body, /WEBHOOK_NOT_FOUND/);
    });

    test("a form post without its _csrf token changes nothing; GET on an act's path is not the act", async () => {
      const { id } = await addEndpoint();
      for (const [path, fields] of [
        [`/admin/webhooks/${id}/disable`, { reason: "forged" }],
        [`/admin/webhooks/${id}/delete`, { password: goodPassword }],
        [`/admin/webhooks/${id}/rotate-secret`, { grace: "0", password: goodPassword }],
        [`/admin/webhooks/${id}/edit`, { url: "http://127.0.0.1:9/x", password: goodPassword }],
      ] as const) {
        const sent = formOf({ _csrf: "", ...fields });
        const forged = await device.request("POST", path, {
          ...sent,
          bare: true,
          headers: { ...sent.headers, "sec-fetch-site": "same-origin" },
        });
        assert.equal(forged.statusCode, 403, path);
        assert.match(forged.body, /CSRF_REJECTED/);
      }
      const stored = await t.store.webhooks.getWebhookEndpoint(id);
      assert.equal(stored?.enabled, true);
      assert.equal(stored?.url, receiver.url);
      for (const path of [`/admin/webhooks/${id}/enable`, `/admin/webhooks/${id}/test`, `/admin/webhooks/${id}/edit`]) {
        assert.equal((await device.get(path)).statusCode, 405, path);
      }
      assert.equal(receiver.received.length, 0, "no test event was sent by a GET");
    });
  });
}
