import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { noRequest } from "../../src/domain/actor.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import { createUser, goodPassword, signIn } from "../support/accounts.ts";
import {
  browserSkipReason,
  type LiveGatehouse,
  launchBrowser,
  newDevice,
  Resources,
  signInThroughPage,
  startLiveGatehouse,
} from "../support/browser.ts";
import { auditPage, recordCspViolations, watchForProblems } from "../support/page-audit.ts";

/**
 * Issue 16 points 1 and 2 in Chromium, on a phone and a desktop: the users list with 60+ users paged to its
 * end, "Add user", a bulk delete with one user refused, and an admin on a superuser's page offered nothing.
 * Screenshots go to test-output/screenshots/users-*.png, for review.
 */
const screenshotDir = fileURLToPath(new URL("../../test-output/screenshots/", import.meta.url));
const screens = [
  { width: 375, height: 800 },
  { width: 1280, height: 900 },
] as const;

/** One page as a reviewer checks it: one h1, labelled controls, no sideways scrolling, no ISO times; a screenshot. */
async function review(page: Page, name: string, width: number): Promise<void> {
  await page.screenshot({ path: `${screenshotDir}users-${name}-${width}.png`, fullPage: true });
  const audit = await auditPage(page);
  assert.equal(audit.h1Count, 1, `${name}: one h1`);
  assert.deepEqual(audit.unlabelled, [], `${name}: every control labelled`);
  assert.ok(audit.scrollWidth <= audit.clientWidth, `${name}: no sideways scroll (${audit.overflowing.join(", ")})`);
  assert.deepEqual(audit.cspViolations, [], `${name}: no CSP violation`);
  const text = (await page.locator("main").textContent()) ?? "";
  assert.doesNotMatch(text, /\d{4}-\d\d-\d\dT\d\d:\d\d/, `${name}: no ISO timestamps`);
  assert.doesNotMatch(text, /purgeAfter/, `${name}: no internal names`);
}

describe("issue 16: the admin users console in Chromium", { skip: browserSkipReason }, () => {
  const resources = new Resources();
  let gatehouse: LiveGatehouse;
  let browser: Browser;
  let rootContext: BrowserContext;
  let adminContext: BrowserContext;
  let rootId = "";

  before(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    gatehouse = resources.add(await startLiveGatehouse("sqlite"), (live) => live.close());
    browser = resources.add(await launchBrowser(), (opened) => opened.close());
    const { t, origin } = gatehouse;
    const root = await createUser(t, "superuser", "root@bulk.test");
    rootId = root.id;
    const admin = await createUser(t, "admin", "dana.admin@example.test");
    // 62 more accounts, created together (one group commit) a second apart, some of them signed in.
    const creating = [];
    for (let i = 0; i < 62; i += 1) {
      t.clock.advance(1_000);
      const email = `${["ana", "ben", "chloe", "dmitri", "eve"][i % 5]}.${i}@example.test`;
      creating.push(createAccount(t.deps, { type: "cli" }, { email, password: null, role: "user" }, noRequest, null));
    }
    await Promise.all(creating);
    await signIn(t, admin);
    rootContext = resources.add(await newDevice(browser), (context) => context.close());
    adminContext = resources.add(await newDevice(browser), (context) => context.close());
    for (const context of [rootContext, adminContext]) await recordCspViolations(context);
    await (await signInThroughPage(rootContext, origin, root.email, goodPassword)).close();
    await (await signInThroughPage(adminContext, origin, admin.email, goodPassword)).close();
  });
  after(() => resources.closeAll());

  for (const screen of screens) {
    test(`at ${screen.width}px: the list pages to its end, a bulk delete refuses one, an admin sees no controls on a superuser`, {
      timeout: 90_000,
    }, async () => {
      const { t, origin } = gatehouse;
      const targets = [];
      for (let i = 0; i < 3; i += 1) targets.push(await createUser(t, "user", `t${i}-${screen.width}@bulk.test`));
      const page = await rootContext.newPage();
      try {
        await page.setViewportSize(screen);
        const problems = watchForProblems(page);
        await page.goto(`${origin}/admin/users`);
        const total = await t.store.countUsers();
        assert.ok(total >= 60);
        await assert.doesNotReject(page.getByText(`Users 1–25 of ${total}`).waitFor());
        await review(page, "list", screen.width);
        let seen = await page.locator("table.users tbody tr").count();
        while ((await page.getByText("End of the list").count()) === 0) {
          await Promise.all([page.waitForURL(/after=/), page.getByRole("link", { name: "Next →" }).click()]);
          seen += await page.locator("table.users tbody tr").count();
        }
        assert.equal(seen, total, "every user once, on the pages up to the end marker");
        await assert.doesNotReject(page.getByText(new RegExp(`Users \\d+–${total} of ${total}`)).waitFor());
        await review(page, "list-end", screen.width);

        await page.goto(`${origin}/admin/users/new`);
        await review(page, "add-user", screen.width);

        // The selection: three users and the viewer, the last superuser, whom the deletion rules refuse.
        await page.goto(`${origin}/admin/users?search=bulk.test`);
        const boxes = page.locator('table.users input[type="checkbox"]');
        assert.equal(await boxes.count(), 4);
        for (const box of await boxes.all()) await box.check();
        await Promise.all([
          page.waitForURL(/\/admin\/users\/bulk\?.*act=delete/),
          page.getByRole("button", { name: "Delete…" }).click(),
        ]);
        assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Delete 4 users?");
        assert.equal(await page.locator("tr.refused").count(), 1);
        assert.match((await page.locator("tr.refused").textContent()) ?? "", /root@bulk\.test\s*Will be refused:/);
        await review(page, "bulk-plan", screen.width);
        await page.getByLabel("Reason").fill("duplicate accounts");
        // Signed in moments ago: the batch needs no password prompt (the http suite covers a stale session).
        assert.equal(await page.getByLabel("Your password").count(), 0);
        await Promise.all([
          page.waitForURL(`${origin}/admin/users/bulk`),
          page.getByRole("button", { name: "Delete 3 users" }).click(),
        ]);
        assert.match((await page.getByRole("heading", { level: 1 }).textContent()) ?? "", /3 done, 1 refused/);
        assert.equal(await page.locator("tr.done").count(), 3);
        await review(page, "bulk-result", screen.width);
        for (const target of targets) assert.equal(await t.store.getUserById(target.id), null);
        assert.deepEqual(problems.consoleErrors, []);
        assert.deepEqual(problems.pageErrors, []);
      } finally {
        await page.close();
      }

      const adminPage = await adminContext.newPage();
      try {
        await adminPage.setViewportSize(screen);
        await adminPage.goto(`${origin}/admin/users/${rootId}`);
        assert.equal(await adminPage.locator("main form").count(), 0, "no control for a superuser");
        await assert.doesNotReject(adminPage.getByText("You cannot change this account").waitFor());
        await review(adminPage, "detail", screen.width);
      } finally {
        await adminPage.close();
      }
    });
  }
});
