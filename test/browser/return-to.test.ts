import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createUser, goodPassword } from "../support/accounts.ts";
import {
  type AttackerSite,
  browserSkipReason,
  type LiveGatehouse,
  launchBrowser,
  newDevice,
  Resources,
  startAttackerSite,
  startLiveGatehouse,
} from "../support/browser.ts";
import { engines } from "../support/databases.ts";
import { watchForProblems } from "../support/page-audit.ts";

/** Fills the sign-in form on an open sign-in page and submits it, waiting for the page it leads to. */
async function submitSignIn(page: Page, email: string, expectedUrl: string): Promise<void> {
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(goodPassword);
  await Promise.all([page.waitForURL(expectedUrl), page.getByRole("button", { name: "Sign in" }).click()]);
}

for (const engine of engines) {
  describe(`issue 12.2: in a real browser, sign-in returns to an allowed app host (${engine})`, {
    skip: browserSkipReason,
  }, () => {
    const resources = new Resources();
    let gatehouse: LiveGatehouse;
    let app: AttackerSite;
    let browser: Browser;

    before(async () => {
      // The app on another host (127.0.0.2, or localhost where that cannot be bound): another site entirely.
      app = resources.add(await startAttackerSite("cross-site"), (site) => site.close());
      gatehouse = resources.add(await startLiveGatehouse(engine, { allowedHosts: new URL(app.origin).host }), (live) =>
        live.close(),
      );
      browser = resources.add(await launchBrowser(), (opened) => opened.close());
    });
    after(() => resources.closeAll());

    const device = async (): Promise<BrowserContext> =>
      resources.add(await newDevice(browser), (context) => context.close());

    test("the sign-in form's 303 to the app is followed: form-action allows the host (Chromium checks redirects)", async () => {
      const { t, origin, requests } = gatehouse;
      const user = await createUser(t);
      const appUrl = app.page("<!doctype html><title>App</title><h1>The app</h1>");
      for (const field of ["next", "rd"]) {
        const page = await (await device()).newPage();
        const problems = watchForProblems(page);
        await page.goto(`${origin}/login?${field}=${encodeURIComponent(appUrl)}`);
        const mark = requests.mark();
        await submitSignIn(page, user.email, appUrl);
        assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "The app", field);
        const posted = requests.since(mark).filter((seen) => seen.method === "POST" && seen.path === "/login");
        assert.deepEqual(
          posted.map((seen) => [seen.status, seen.location]),
          [[303, appUrl]],
          `${field}: Gatehouse answered the form with a 303 to the app`,
        );
        // The app serves no icon: the browser's own request for it is the app's business.
        const errors = problems.consoleErrors.filter((error) => !error.includes(`${app.origin}/favicon.ico`));
        assert.deepEqual(errors, [], `${field}: no CSP violation, no error`);
      }
    });

    test("a host that is not allowed, or a look-alike of the allowed one, lands on the account page", async () => {
      const { t, origin } = gatehouse;
      const user = await createUser(t);
      const appHost = new URL(app.origin).host;
      for (const next of [
        "http://evil.example/",
        `http://${appHost}@evil.example/`,
        `//${appHost}/`,
        `http:/\\${appHost}/`,
        `https://${appHost}/`,
      ]) {
        const page = await (await device()).newPage();
        await page.goto(`${origin}/login?next=${encodeURIComponent(next)}`);
        await submitSignIn(page, user.email, `${origin}/account?notice=signed-in`);
        assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "My account", next);
      }
    });
  });

  describe(`issue 12.3: in a real browser, Gatehouse under a path prefix (${engine})`, {
    skip: browserSkipReason,
  }, () => {
    const resources = new Resources();
    let gatehouse: LiveGatehouse;
    let browser: Browser;

    before(async () => {
      gatehouse = resources.add(await startLiveGatehouse(engine, {}, "/auth"), (live) => live.close());
      browser = resources.add(await launchBrowser(), (opened) => opened.close());
    });
    after(() => resources.closeAll());

    test("sign in, styled pages, sign out: every request under /auth, the cookie at Path=/", async () => {
      const { t, origin, requests } = gatehouse;
      const user = await createUser(t);
      const context = resources.add(await newDevice(browser), (opened) => opened.close());
      const page = await context.newPage();
      const problems = watchForProblems(page);
      const mark = requests.mark();
      const stylesheets: number[] = [];
      page.on("response", (response) => {
        if (response.url().endsWith("/gatehouse.css")) stylesheets.push(response.status());
      });

      await page.goto(`${origin}/auth/account`);
      assert.equal(page.url(), `${origin}/auth/login?next=%2Fauth%2Faccount`);
      await submitSignIn(page, user.email, `${origin}/auth/account?notice=signed-in`);
      assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "My account");
      // The stylesheet applied: the skip link is moved off-screen by it.
      const skipLeft = await page.locator("a.skip").evaluate((link) => link.getBoundingClientRect().left);
      assert.ok(skipLeft < 0, `the stylesheet is applied (skip link at ${skipLeft})`);
      assert.ok(stylesheets.length > 0 && stylesheets.every((status) => status === 200), String(stylesheets));

      const cookies = await context.cookies(origin);
      assert.deepEqual(
        cookies.map((cookie) => [cookie.name, cookie.path]),
        [["gatehouse_session", "/"]],
      );
      await page.getByLabel("Name").fill("Pat");
      await Promise.all([
        page.waitForURL(`${origin}/auth/account?notice=profile-saved`),
        page.getByRole("button", { name: "Save profile" }).click(),
      ]);
      await Promise.all([
        page.waitForURL(`${origin}/auth/login?notice=signed-out`),
        page.getByRole("button", { name: "Sign out" }).first().click(),
      ]);
      assert.deepEqual(await context.cookies(origin), []);

      const seen = requests.since(mark).map((request) => `${request.method} ${request.path}`);
      assert.deepEqual(
        seen.filter((line) => !line.split(" ")[1]?.startsWith("/auth/")),
        [],
        "every request the browser made was under /auth/",
      );
      assert.deepEqual(problems.consoleErrors, []);
      assert.deepEqual(problems.pageErrors, []);
      console.log(`# ${seen.length} browser requests, all under /auth/`);
    });
  });
}
