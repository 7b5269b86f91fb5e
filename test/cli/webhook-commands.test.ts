import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { parseConfig } from "../../src/config.ts";
import { noRequest } from "../../src/domain/actor.ts";
import type { Deps } from "../../src/domain/deps.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import { deliverDue } from "../../src/domain/webhooks/delivery-worker.ts";
import { openDeps } from "../../src/server.ts";
import { goodPassword, uniqueEmail } from "../support/accounts.ts";
import { fastHasher } from "../support/app.ts";
import { runInProcess } from "../support/cli-runner.ts";
import { createTestDatabase, engines, type TestDatabase } from "../support/databases.ts";
import { WebhookReceiver } from "../support/webhook-receiver.ts";

/**
 * Issue 14 point 5: `gatehouse webhooks …`, run in-process (runCli, as main.ts runs it) against a real database of each
 * engine, with a loopback receiver (WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_ADDRESSES on, as for local
 * development). Same use cases as the API and the pages, as actor `cli`.
 */
const secretPattern = /^whsec_[A-Za-z0-9+/]{43}=$/m;

for (const engine of engines) {
  describe(`gatehouse webhooks (${engine})`, () => {
    let database: TestDatabase;
    let dir: string;
    let variables: Record<string, string>;
    let receiver: WebhookReceiver;

    const gatehouse = (...args: string[]) => runInProcess(variables, args);

    async function inProcess<T>(work: (deps: Deps) => Promise<T>): Promise<T> {
      const { deps, store } = await openDeps(parseConfig(variables), { hasher: fastHasher });
      try {
        return await work(deps);
      } finally {
        await store.close();
      }
    }

    /** Adds an endpoint at the receiver; answers its id and the secret printed once. */
    async function create(...extra: string[]) {
      const run = await gatehouse("webhooks", "create", "--url", receiver.url, ...extra);
      assert.equal(run.code, 0, run.stderr);
      const id = /^Created webhook endpoint (whe_[A-Za-z0-9_-]{22}) for /m.exec(run.stdout)?.[1];
      const secret = secretPattern.exec(run.stdout)?.[0];
      assert.ok(id !== undefined && secret !== undefined, run.stdout);
      return { id, secret, stdout: run.stdout };
    }

    /** A user created (an event), then the worker's rounds until nothing is due. */
    const createUserAndDeliver = () =>
      inProcess(async (deps) => {
        const made = await createAccount(
          deps,
          { type: "cli" },
          { email: uniqueEmail(), password: goodPassword, name: "", role: "user" },
          noRequest,
          null,
        );
        assert.ok(made.ok);
        const settings = { pollMs: 10, batch: 50, claimMs: 60_000 };
        for (let round = 0; round < 50 && (await deliverDue(deps, deps.webhookSender, settings)) > 0; round += 1);
        return made.user.id;
      });

    before(async () => {
      database = await createTestDatabase(engine);
      dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-webhooks-"));
      const location = database.location;
      variables = {
        DATABASE_URL: location.kind === "sqlite" ? location.path : location.url,
        DATA_DIR: dir,
        WEBHOOK_ALLOW_HTTP: "true",
        WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "true",
        WEBHOOK_TIMEOUT_SECONDS: "2",
      };
    });
    after(async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      receiver = await new WebhookReceiver().start();
    });
    afterEach(() => receiver.stop());

    test("create prints the id and the secret once; list and show never print it; bad input creates nothing", async () => {
      const { id, secret, stdout } = await create(
        "--description",
        "billing sync",
        "--event",
        "user.deleted",
        "--event",
        "user.created",
      );
      assert.match(stdout, /\(user\.deleted,user\.created\)\.\nThe signing secret, shown only this once:\n/);
      await inProcess(async (deps) => {
        const stored = await deps.store.webhooks.getWebhookEndpoint(id);
        assert.equal(stored?.secret, secret, "the printed secret is the endpoint's");
        assert.deepEqual(stored?.eventTypes, ["user.deleted", "user.created"]);
        const [entry] = await deps.store.listAudit({ action: "webhooks.create", outcome: "success", limit: 1 });
        assert.equal(entry?.actorType, "cli");
        assert.equal(entry?.details.endpointId, id);
      });
      const listed = await gatehouse("webhooks", "list");
      assert.equal(listed.code, 0, listed.stderr);
      const line = listed.stdout.split("\n").find((l) => l.startsWith(id));
      assert.match(
        line ?? "",
        /^whe_\S+\thttp:\/\/127\.0\.0\.1:\d+\/hook\tenabled\tevents=user\.deleted,user\.created\tcreated=\S+Z\tbilling sync$/,
      );
      const shown = await gatehouse("webhooks", "show", id);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /Description: billing sync/);
      assert.match(shown.stdout, /Deliveries: 0 pending, 0 delivered, 0 failed\./);
      for (const out of [listed.stdout, shown.stdout]) assert.ok(!out.includes(secret.slice(6, 40)), "no secret");

      const count = () => inProcess(async (deps) => (await deps.store.webhooks.listWebhookEndpoints()).length);
      const before = await count();
      const ftp = await gatehouse("webhooks", "create", "--url", "ftp://example.com/hook");
      assert.equal(ftp.code, 1);
      assert.match(ftp.stderr, /^VALIDATION_FAILED: /);
      const unknown = await gatehouse("webhooks", "create", "--url", receiver.url, "--event", "user.exploded");
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /Allowed choices are user\.created/);
      const long = await gatehouse("webhooks", "create", "--url", receiver.url, "--description", "d".repeat(201));
      assert.equal(long.code, 1);
      assert.match(long.stderr, /^VALIDATION_FAILED: The description is longer than 200 characters\./);
      assert.equal(await count(), before, "nothing was created");
      const missing = await gatehouse("webhooks", "show", "whe_nope");
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^WEBHOOK_NOT_FOUND: /);
    });

    test("test sends a signed webhook.test whatever the filter and prints the outcome; a failing receiver exits 1", async () => {
      const { id, secret } = await create("--event", "user.deleted");
      const sent = await gatehouse("webhooks", "test", id);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /^Test event evt_\S+ delivered: HTTP 200 after \d+ ms\.$/m);
      const request = receiver.received.at(-1);
      assert.ok(request !== undefined);
      const verified = new Webhook(secret).verify(request.body, {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      }) as { type: string };
      assert.equal(verified.type, "webhook.test");
      receiver.answers.push({ status: 500, body: `no \u001b[31mred\u202E ${"k".repeat(40)}` });
      const failed = await gatehouse("webhooks", "test", id);
      assert.equal(failed.code, 1);
      assert.match(failed.stdout, /not delivered: HTTP 500 after \d+ ms: no {2}\[31mred\\u\{202e\} \[cut\]\.$/m);
      assert.ok(
        !failed.stdout.includes("\u001b") && !failed.stdout.includes("\u202E"),
        "nothing reaches the terminal raw",
      );
    });

    test("update, disable (a hostile reason refused) and enable; enabling delivers what committed meanwhile", async () => {
      const { id } = await create("--event", "user.deleted");
      const renamed = await gatehouse("webhooks", "update", id, "--description", "renamed", "--all-events");
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.equal(renamed.stdout, `Updated ${id}: description, eventTypes changed.\n`);
      const same = await gatehouse("webhooks", "update", id, "--description", "renamed");
      assert.match(same.stdout, /Nothing changed/);
      const nothing = await gatehouse("webhooks", "update", id);
      assert.equal(nothing.code, 1);
      assert.match(nothing.stderr, /^VALIDATION_FAILED: Nothing to change/);
      const both = await gatehouse("webhooks", "update", id, "--all-events", "--event", "user.created");
      assert.equal(both.code, 1);
      assert.match(both.stderr, /cannot be used with/);
      const badUrl = await gatehouse("webhooks", "update", id, "--url", "not a url");
      assert.equal(badUrl.code, 1);
      assert.match(badUrl.stderr, /^VALIDATION_FAILED: /);

      // Control and bidi characters would reorder or hide what other admins read: refused, nothing changes.
      const hostile = await gatehouse("webhooks", "disable", id, "--reason", "moved \u202Eevil\u001b[2J");
      assert.equal(hostile.code, 1);
      assert.match(
        hostile.stderr,
        /^VALIDATION_FAILED: The reason may not contain control or invisible formatting characters/,
      );
      assert.match((await gatehouse("webhooks", "show", id)).stdout, /Status: enabled/);
      const disabled = await gatehouse("webhooks", "disable", id, "--reason", "moved to the new cluster");
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match(disabled.stdout, /^Disabled whe_\S+: nothing is sent to it until it is enabled\.$/m);
      const shown = await gatehouse("webhooks", "show", id);
      assert.match(shown.stdout, /Status: disabled \(disabled by an admin: moved to the new cluster\)/);
      const userId = await createUserAndDeliver();
      assert.ok(!receiver.received.some((r) => r.body.includes(userId)), "nothing is sent while disabled");
      const enabled = await gatehouse("webhooks", "enable", id);
      assert.equal(enabled.code, 0, enabled.stderr);
      assert.match(enabled.stdout, /^Enabled whe_\S+: it resumes where it stopped/);
      await createUserAndDeliver();
      assert.ok(
        receiver.received.some((r) => r.body.includes(userId)),
        "what committed meanwhile is delivered",
      );
      await inProcess(async (deps) => {
        const entries = await deps.store.listAudit({ action: "webhooks.disable", outcome: "success", limit: 1 });
        assert.equal(entries[0]?.actorType, "cli");
      });
    });

    test("rotate-secret prints the new secret once; --grace-hours 0 ends the old one at once, past a week is refused", async () => {
      const { id, secret } = await create();
      const tooLong = await gatehouse("webhooks", "rotate-secret", id, "--grace-hours", "169");
      assert.equal(tooLong.code, 1);
      assert.match(tooLong.stderr, /^VALIDATION_FAILED: The grace period is 0 to 7 days\./);
      const words = await gatehouse("webhooks", "rotate-secret", id, "--grace-hours", "a day");
      assert.equal(words.code, 1);
      assert.match(words.stderr, /whole number of hours/);
      const now = await gatehouse("webhooks", "rotate-secret", id, "--grace-hours", "0");
      assert.equal(now.code, 0, now.stderr);
      assert.match(now.stdout, /the previous one no longer signs\.\nThe new signing secret, shown only this once:\n/);
      const fresh = secretPattern.exec(now.stdout)?.[0];
      assert.ok(fresh !== undefined && fresh !== secret);
      const daily = await gatehouse("webhooks", "rotate-secret", id);
      assert.match(daily.stdout, /the previous one signs too until \d{4}-\d\d-\d\dT/);
      const third = secretPattern.exec(daily.stdout)?.[0];
      await inProcess(async (deps) => {
        const stored = await deps.store.webhooks.getWebhookEndpoint(id);
        assert.equal(stored?.secret, third);
        assert.equal(stored?.previousSecret, fresh);
        assert.ok(Math.abs((stored?.previousSecretUntil ?? 0) - Date.now() - 86_400_000) < 60_000, "a day by default");
      });
      const shown = await gatehouse("webhooks", "show", id);
      assert.match(shown.stdout, /The previous secret signs too until/);
      assert.ok(!shown.stdout.includes(String(third).slice(6, 40)));
    });

    test("deliveries lists the log newest first with its filter and pages; redeliver queues one again; its refusals exit 1", async () => {
      const { id } = await create("--event", "user.created");
      receiver.answers.push({ status: 503, body: "busy" });
      const first = await createUserAndDeliver();
      const second = await createUserAndDeliver();
      const log = await gatehouse("webhooks", "deliveries", id);
      assert.equal(log.code, 0, log.stderr);
      const lines = log.stdout.trim().split("\n");
      assert.equal(lines.length, 2);
      assert.match(
        lines[0] ?? "",
        new RegExp(`^whd_\\S+\\tuser\\.created\\tuser=${second}\\tdelivered\\tattempts=1\\tlast=HTTP 200 \\d+ms$`),
      );
      assert.match(
        lines[1] ?? "",
        new RegExp(
          `^whd_\\S+\\tuser\\.created\\tuser=${first}\\tpending\\tattempts=1\\tlast=HTTP 503 \\d+ms\\tnext=\\S+Z\\tbusy$`,
        ),
      );
      const pending = await gatehouse("webhooks", "deliveries", id, "--status", "pending");
      assert.equal(pending.stdout.trim().split("\n").length, 1);
      assert.equal((await gatehouse("webhooks", "deliveries", id, "--status", "failed")).stdout, "No deliveries.\n");
      const one = await gatehouse("webhooks", "deliveries", id, "--limit", "1");
      const before = /^Older deliveries: add --before (\S+)$/m.exec(one.stdout)?.[1];
      assert.ok(before !== undefined, one.stdout);
      const older = await gatehouse("webhooks", "deliveries", id, "--limit", "1", "--before", before);
      assert.match(older.stdout, new RegExp(`user=${first}`));
      assert.doesNotMatch(older.stdout, /Older deliveries/);
      const zero = await gatehouse("webhooks", "deliveries", id, "--limit", "0");
      assert.equal(zero.code, 1);
      assert.match(zero.stderr, /^VALIDATION_FAILED: limit is 1 to 100\./);
      const badStatus = await gatehouse("webhooks", "deliveries", id, "--status", "lost");
      assert.equal(badStatus.code, 1);

      const deliveredId = /^(whd_\S+)\t/.exec(lines[0] ?? "")?.[1];
      assert.ok(deliveredId !== undefined);
      const redelivered = await gatehouse("webhooks", "redeliver", id, deliveredId);
      assert.equal(redelivered.code, 0, redelivered.stderr);
      assert.match(redelivered.stdout, /is due again now, on a fresh retry schedule\./);
      await inProcess(async (deps) => {
        const found = await deps.store.webhooks.getWebhookDelivery(id, deliveredId);
        assert.equal(found?.delivery.status, "pending");
        assert.equal(found?.delivery.attempts, 0);
      });
      const unknown = await gatehouse("webhooks", "redeliver", id, "whd_nope");
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^WEBHOOK_DELIVERY_NOT_FOUND: /);
      await gatehouse("webhooks", "disable", id);
      const disabled = await gatehouse("webhooks", "redeliver", id, deliveredId);
      assert.equal(disabled.code, 1);
      assert.match(disabled.stderr, /^WEBHOOK_DISABLED: The webhook endpoint is disabled; enable it first\./);
    });

    test("delete without a terminal needs --yes (and deletes nothing without it); with it, the pending deliveries are dropped", async () => {
      const { id } = await create();
      await receiver.stop();
      await createUserAndDeliver();
      const asked = await gatehouse("webhooks", "delete", id);
      assert.equal(asked.code, 2);
      assert.equal(asked.stdout, "");
      assert.match(asked.stderr, /^Not confirmed: there is no terminal to ask on, so nothing changed\. Pass --yes/);
      assert.ok((await inProcess((deps) => deps.store.webhooks.getWebhookEndpoint(id))) !== null, "still there");
      const deleted = await gatehouse("webhooks", "delete", id, "--yes");
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, `Deleted webhook endpoint ${id}; 1 pending deliveries dropped.\n`);
      assert.equal(await inProcess((deps) => deps.store.webhooks.getWebhookEndpoint(id)), null);
      const again = await gatehouse("webhooks", "delete", id, "--yes");
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^WEBHOOK_NOT_FOUND: /);
    });

    test("delete on a terminal shows how many pending deliveries are dropped and asks; only y or yes deletes", async () => {
      const { id } = await create();
      await receiver.stop();
      await createUserAndDeliver();
      const stored = () => inProcess((deps) => deps.store.webhooks.getWebhookEndpoint(id));
      const onTerminal = (answer: string) =>
        runInProcess(variables, ["webhooks", "delete", id], { terminal: { answers: [answer] } });
      for (const answer of ["no", "", "yess"]) {
        const declined = await onTerminal(answer);
        assert.equal(declined.code, 2, declined.stderr);
        assert.equal(declined.stdout, "");
        assert.match(
          declined.stderr,
          new RegExp(
            `^Deleting webhook endpoint ${id} \\(http://127\\.0\\.0\\.1:\\d+/hook\\) with its delivery log: 1 pending deliveries are dropped\\.\nGo ahead\\? \\[y/N\\] Not confirmed: nothing changed\\.\n$`,
          ),
        );
        assert.ok((await stored()) !== null, `${JSON.stringify(answer)} deletes nothing`);
      }
      const confirmed = await onTerminal("y");
      assert.equal(confirmed.code, 0, confirmed.stderr);
      assert.match(confirmed.stdout, /^Deleted webhook endpoint \S+; 1 pending deliveries dropped\.\n$/);
      assert.equal(await stored(), null);
    });

    test("--json answers the machine form: the created endpoint and its secret, the list as JSON lines", async () => {
      const made = await gatehouse("webhooks", "create", "--url", receiver.url, "--event", "user.created", "--json");
      assert.equal(made.code, 0, made.stderr);
      const created = JSON.parse(made.stdout) as { endpoint: { id: string; eventTypes: string[] }; secret: string };
      assert.match(created.secret, secretPattern);
      assert.deepEqual(created.endpoint.eventTypes, ["user.created"]);
      const listed = await gatehouse("webhooks", "list", "--json");
      const ids = listed.stdout
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { id: string; secret?: string }).id);
      assert.ok(ids.includes(created.endpoint.id));
      assert.ok(!listed.stdout.includes(created.secret.slice(6, 40)), "no secret in the list");
      const deleted = await gatehouse("webhooks", "delete", created.endpoint.id, "--yes", "--json");
      assert.deepEqual(JSON.parse(deleted.stdout), { deleted: created.endpoint.id, pendingDropped: 0 });
    });
  });
}
