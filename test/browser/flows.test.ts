import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { adminDeletes, createUser, goodPassword, signIn } from "../support/accounts.ts";
import {
  answered,
  browserSkipReason,
  cookieNames,
  fetchFromPage,
  type LiveGatehouse,
  launchBrowser,
  newDevice,
  Resources,
  signInThroughPage,
  startLiveGatehouse,
} from "../support/browser.ts";
import { sessionCookieName } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { auditPage, copyFindings, recordCspViolations, watchForProblems, wordBreaks } from "../support/page-audit.ts";

/** A device whose session is gone: the open page's API call gets 401, the next visit to /account the sign-in page. */
async function assertSignedOut(page: Page, origin: string, label: string): Promise<void> {
  const api = await fetchFromPage(page, "/api/account", { method: "GET" });
  assert.equal(answered(api).status, 401, `${label}: the API answers 401`);
  const response = await page.goto(`${origin}/account`);
  assert.equal(response?.status(), 200, label);
  assert.equal(
    page.url(),
    `${origin}/login?next=%2Faccount&notice=session-ended`,
    `${label}: /account sends the device to sign in, saying why`,
  );
  assert.match((await page.getByRole("status").textContent()) ?? "", /Your session has ended/, label);
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Sign in", label);
  const again = await fetchFromPage(page, "/api/account", { method: "GET" });
  assert.equal(answered(again).status, 401, `${label}: still 401 from the sign-in page`);
}

for (const engine of engines) {
  describe(`in a real browser, sessions end with the account (${engine})`, { skip: browserSkipReason }, () => {
    const resources = new Resources();
    let gatehouse: LiveGatehouse;
    let browser: Browser;

    before(async () => {
      gatehouse = resources.add(await startLiveGatehouse(engine), (live) => live.close());
      browser = resources.add(await launchBrowser(), (opened) => opened.close());
    });
    after(() => resources.closeAll());

    const device = async (): Promise<BrowserContext> =>
      resources.add(await newDevice(browser), (context) => context.close());

    test("a user signed in on two browsers and deleted by an admin through the admin pages gets the sign-in page and 401 on both", {
      timeout: 120_000,
    }, async () => {
      const { t, origin } = gatehouse;
      const admin = await createUser(t, "admin");
      const user = await createUser(t);
      const phone = await signInThroughPage(await device(), origin, user.email, goodPassword);
      const laptop = await signInThroughPage(await device(), origin, user.email, goodPassword);
      assert.equal((await t.store.listUserSessions(user.id)).length, 2);

      const adminPage = await signInThroughPage(await device(), origin, admin.email, goodPassword);
      await adminPage.goto(`${origin}/admin/users`);
      await Promise.all([
        adminPage.waitForURL(`${origin}/admin/users/${user.id}`),
        adminPage.getByRole("link", { name: user.email }).click(),
      ]);
      await Promise.all([
        adminPage.waitForURL(`${origin}/admin/users/${user.id}/delete`),
        adminPage.getByRole("link", { name: "Delete this user…" }).click(),
      ]);
      assert.equal(await adminPage.getByRole("heading", { level: 1 }).textContent(), `Delete ${user.email}?`);
      const plan = await adminPage.getByRole("region", { name: "What happens" }).textContent();
      assert.match(plan ?? "", /2 session\(s\) end at once\./, "the plan counts both of the user's sessions");
      assert.match(plan ?? "", /This cannot be undone\./);
      await adminPage.getByLabel("Reason").fill("left the company");
      await adminPage.getByLabel("Your password").fill(goodPassword);
      await Promise.all([
        adminPage.waitForURL(`${origin}/admin/users?notice=user-deleted`),
        adminPage.getByRole("button", { name: "Delete this user" }).click(),
      ]);
      assert.match((await adminPage.getByRole("status").textContent()) ?? "", /The user is deleted/);
      assert.equal(await t.store.getUserById(user.id), null);
      assert.deepEqual(await t.store.listUserSessions(user.id), []);

      await adminPage.goto(`${origin}/admin/audit?action=users.delete&targetId=${user.id}`);
      const trail = (await adminPage.locator("tbody").textContent()) ?? "";
      assert.match(trail, /left the company/, "the reason is in the audit log");

      await assertSignedOut(phone, origin, "phone");
      await assertSignedOut(laptop, origin, "laptop");
      const still = await fetchFromPage(adminPage, "/api/account", { method: "GET" });
      assert.equal(answered(still).status, 200, "the admin is still signed in");
    });

    test("deleting one's own account through /account/delete ends every session and drops the cookie", {
      timeout: 120_000,
    }, async () => {
      const { t, origin } = gatehouse;
      const user = await createUser(t);
      const otherDeviceContext = await device();
      const otherDevice = await signInThroughPage(otherDeviceContext, origin, user.email, goodPassword);
      const context = await device();
      const page = await signInThroughPage(context, origin, user.email, goodPassword);
      assert.deepEqual(await cookieNames(context, origin), [sessionCookieName]);

      await Promise.all([
        page.waitForURL(`${origin}/account/delete`),
        page.getByRole("link", { name: "Delete my account…" }).click(),
      ]);
      await page.getByLabel("Your password, to confirm").fill(goodPassword);
      const deletion = page.waitForResponse(
        (response) => response.url() === `${origin}/account/delete` && response.request().method() === "POST",
      );
      await Promise.all([
        page.waitForURL(`${origin}/login?notice=account-deleted`),
        page.getByRole("button", { name: "Delete my account" }).click(),
      ]);
      const answer = await deletion;
      assert.equal(answer.status(), 303);
      assert.equal((await answer.allHeaders())["clear-site-data"], '"cache", "cookies", "storage"');
      assert.match((await page.getByRole("status").textContent()) ?? "", /Your account is deleted/);
      assert.deepEqual(await cookieNames(context, origin), [], "the browser no longer holds the session cookie");
      assert.equal(await t.store.getUserById(user.id), null);
      assert.deepEqual(await t.store.listUserSessions(user.id), []);

      await assertSignedOut(otherDevice, origin, "the other device");
      assert.deepEqual(
        await cookieNames(otherDeviceContext, origin),
        [sessionCookieName],
        "only a dead cookie remains there",
      );
    });
  });
}

const screenshotDir = fileURLToPath(new URL("../../test-output/screenshots/", import.meta.url));
const screens = [
  { width: 375, height: 800 },
  { width: 1280, height: 900 },
] as const;

interface PageUnderReview {
  readonly name: string;
  readonly signedIn: boolean;
  path(): string;
  /** The navigation link marked as the current page (issue 16.5), if the page is one of the links'. */
  readonly current?: string;
  /** Also shot in dark mode (issue 16.5: it follows prefers-color-scheme). */
  readonly dark?: boolean;
  /** What this page must show besides the rules every page follows. */
  check?(page: Page): Promise<void>;
}

describe("every page on a phone and on a desktop", { skip: browserSkipReason }, () => {
  const resources = new Resources();
  let gatehouse: LiveGatehouse;
  let browser: Browser;
  let adminContext: BrowserContext;
  let visitorContext: BrowserContext;
  let subjectId = "";
  let erasedId = "";

  before(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    gatehouse = resources.add(await startLiveGatehouse("sqlite"), (live) => live.close());
    browser = resources.add(await launchBrowser(), (opened) => opened.close());
    const { t, origin } = gatehouse;
    // Realistic content: a few accounts, one with a long (but ordinary) address, sessions and audit entries.
    const admin = await createUser(t, "admin", "dana.admin@example.test");
    const subject = await createUser(t, "user", "alexandra.konstantinopoulou@example.test");
    subjectId = subject.id;
    for (const email of ["bo@example.test", "chris.lee@example.test", "emma.watts@example.test"]) {
      await createUser(t, "user", email);
    }
    // An erased person in the audit log (issue 16.3): "erased user" and a short id, never the old address.
    const leaver = await createUser(t, "user", "leaver.with.a.long.address@example.test");
    erasedId = leaver.id;
    const adminDevice = await signIn(t, admin);
    for (const status of ["disabled", "active"]) {
      assert.equal((await adminDevice.patch(`/api/users/${subject.id}`, { status })).statusCode, 200);
    }
    await adminDeletes(adminDevice, leaver.id, "left the company");
    await signIn(t, subject);
    await signIn(t, subject);
    adminContext = resources.add(await newDevice(browser), (context) => context.close());
    visitorContext = resources.add(await newDevice(browser), (context) => context.close());
    for (const context of [adminContext, visitorContext]) await recordCspViolations(context);
    const page = await signInThroughPage(adminContext, origin, admin.email, goodPassword);
    await page.close();
  });
  after(() => resources.closeAll());

  const pages: readonly PageUnderReview[] = [
    { name: "sign-in", signedIn: false, path: () => "/login", current: "Sign in", dark: true },
    { name: "sign-up", signedIn: false, path: () => "/signup", current: "Sign up" },
    { name: "account", signedIn: true, path: () => "/account", current: "My account" },
    { name: "admin-users", signedIn: true, path: () => "/admin/users", current: "Users" },
    {
      name: "admin-user",
      signedIn: true,
      path: () => `/admin/users/${subjectId}`,
      current: "Users",
    },
    {
      name: "delete-confirmation",
      signedIn: true,
      path: () => `/admin/users/${subjectId}/delete`,
    },
    {
      name: "audit",
      signedIn: true,
      path: () => "/admin/audit",
      current: "Audit log",
      dark: true,
      // Issue 16.3: the erased person as "erased user" and a short id, never the old address.
      async check(page) {
        const text = (await page.locator("main").textContent()) ?? "";
        assert.match(text, new RegExp(`erased user ${erasedId.slice(0, 8)}`));
        assert.doesNotMatch(text, /leaver\.with/);
        assert.match(text, /Deleted the user; erased at once\. Reason: left the company/);
        assert.match(text, /Disabled\./);
      },
    },
    { name: "looks-audit-verified", signedIn: true, path: () => "/admin/audit?verify=1", current: "Audit log" },
    { name: "looks-account-delete", signedIn: true, path: () => "/account/delete", current: "My account" },
    { name: "looks-tokens", signedIn: true, path: () => "/admin/tokens", current: "API tokens" },
    { name: "looks-webhooks", signedIn: true, path: () => "/admin/webhooks", current: "Webhooks" },
  ];

  for (const screen of screens) {
    for (const reviewed of pages) {
      test(`the ${reviewed.name} page at ${screen.width}px has one h1, labelled inputs, no sideways scrolling, no word broken in a table or button, honest copy and no console or CSP errors`, {
        timeout: 60_000,
      }, async () => {
        const page = await (reviewed.signedIn ? adminContext : visitorContext).newPage();
        try {
          await page.setViewportSize(screen);
          const problems = watchForProblems(page);
          const response = await page.goto(`${gatehouse.origin}${reviewed.path()}`);
          assert.equal(response?.status(), 200);
          assert.equal(page.url(), `${gatehouse.origin}${reviewed.path()}`, "no redirect");
          // Settled, so late console errors are in before the checks.
          await page.waitForLoadState("networkidle");
          await page.screenshot({ path: `${screenshotDir}${reviewed.name}-${screen.width}.png`, fullPage: true });

          const audit = await auditPage(page);
          assert.equal(audit.h1Count, 1, "exactly one h1");
          assert.deepEqual(audit.unlabelled, [], "every visible form control has a label");
          assert.ok(
            audit.scrollWidth <= audit.clientWidth,
            `no horizontal scrollbar: the document is ${audit.scrollWidth}px wide in a ${audit.clientWidth}px viewport; ` +
              `wider than the viewport: ${audit.overflowing.join(", ")}`,
          );
          assert.deepEqual(audit.cspViolations, [], "no Content-Security-Policy violations");
          assert.deepEqual(problems.consoleErrors, [], "no console errors");
          assert.deepEqual(problems.pageErrors, [], "no uncaught page errors");

          // Issue 16.5: measured in the page, not eyeballed.
          const breaks = await wordBreaks(page);
          assert.ok(breaks.checked > 0, "the page has table cells or buttons to measure");
          assert.deepEqual(breaks.broken, [], "no word in a table cell or button is broken across lines");
          const header = await page.locator("header.site").boundingBox();
          assert.ok(header !== null && header.height <= 64, `the header is one row (${header?.height}px high)`);
          if (reviewed.current !== undefined) {
            const current = page.locator('header.site nav:visible a[aria-current="page"]');
            if (screen.width < 800) await page.locator("details.menu summary").click();
            assert.deepEqual(await current.allTextContents(), [reviewed.current], "the current page is marked");
          }
          // Issue 16.4: the copy rules, over the page's visible text.
          const copy = await copyFindings(page);
          assert.deepEqual(copy.internalNames, [], "no internal names");
          assert.deepEqual(copy.machineTimes, [], "no ISO timestamps or epochs: one date format");
          assert.deepEqual(copy.repeated, [], "no sentence said twice");
          await reviewed.check?.(page);
          if (reviewed.dark === true) {
            await page.emulateMedia({ colorScheme: "dark" });
            const paper = await page.evaluate<string>("getComputedStyle(document.documentElement).backgroundColor");
            assert.notEqual(paper, "rgb(246, 248, 250)", "dark mode changes the page's colours");
            await page.screenshot({
              path: `${screenshotDir}looks-${reviewed.name}-dark-${screen.width}.png`,
              fullPage: true,
            });
          }
        } finally {
          await page.close();
        }
      });
    }
  }

  test("the icon every browser asks for loads without a console error", {
    timeout: 60_000,
  }, async () => {
    // A browser of its own: Chromium asks for the icon once per browser process and remembers the answer.
    const fresh = resources.add(await launchBrowser(), (opened) => opened.close());
    const context = resources.add(await newDevice(fresh), (opened) => opened.close());
    const page = await context.newPage();
    try {
      const problems = watchForProblems(page);
      await page.goto(`${gatehouse.origin}/login`);
      await page.waitForLoadState("networkidle");
      assert.deepEqual(problems.consoleErrors, [], "no console errors at all");
    } finally {
      await page.close();
    }
  });
});
