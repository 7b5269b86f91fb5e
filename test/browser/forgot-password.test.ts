import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { createUser, signIn } from "../support/accounts.ts";
import {
  answered,
  browserSkipReason,
  fetchFromPage,
  type LiveGatehouse,
  launchBrowser,
  newDevice,
  Resources,
  startLiveGatehouse,
} from "../support/browser.ts";
import { engines } from "../support/databases.ts";
import { linkIn, SmtpListener } from "../support/smtp-listener.ts";

/**
 * Issue 15 "Done when": the e-mail way end to end in a real browser. The old session's device is signed in
 * first; the owner asks on the sign-in page, reads the link from the message the SMTP listener received,
 * sets a new password on the page it opens, signs in with it, and the old device's cookie is dead.
 * One engine: the store's part is covered on both by test/http/forgot-password.test.ts.
 */
const newPassword = "a passphrase set from the e-mailed link";
const engine = engines[0] ?? "sqlite";

describe(`in a real browser, "Forgot password?" by e-mail (${engine})`, { skip: browserSkipReason }, () => {
  const resources = new Resources();
  let gatehouse: LiveGatehouse;
  let browser: Browser;
  let smtp: SmtpListener;

  before(async () => {
    smtp = resources.add(await new SmtpListener().start(), (listener) => listener.stop());
    gatehouse = resources.add(await startLiveGatehouse(engine, { smtpUrl: smtp.url }), (live) => live.close());
    browser = resources.add(await launchBrowser(), (opened) => opened.close());
  });
  after(() => resources.closeAll());

  test("sign-in page → form → link from the mail → new password → signed in with it; the old cookie is dead", {
    timeout: 120_000,
  }, async () => {
    const { t, origin } = gatehouse;
    const user = await createUser(t);
    // The device from before (in-process: only its cookie matters here).
    const oldDevice = await signIn(t, user);

    const context = resources.add(await newDevice(browser), (opened) => opened.close());
    const page = await context.newPage();
    await page.goto(`${origin}/login`);
    await Promise.all([
      page.waitForURL(`${origin}/forgot-password`),
      page.getByRole("link", { name: "Forgot password?" }).click(),
    ]);
    await page.getByLabel("E-mail address").fill(user.email);
    await Promise.all([
      page.waitForURL(`${origin}/forgot-password`),
      page.getByRole("button", { name: "Send me a link" }).click(),
    ]);
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Check your inbox");
    assert.match(
      (await page.locator("main").textContent()) ?? "",
      /If an account exists for this address, we sent a link\./,
    );

    await smtp.waitFor(1);
    const mail = smtp.to(user.email)[0];
    assert.ok(mail !== undefined, "the mail arrived");
    const url = linkIn(mail, "/recover/ghr_");
    await page.goto(url);
    await page.getByLabel("New password").fill(newPassword);
    await page.getByLabel("The same password again").fill(newPassword);
    await page.getByRole("button", { name: "Set the new password" }).click();
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Your password is set");

    // Signed in with the new password, in the same browser.
    await Promise.all([
      page.waitForURL(`${origin}/login`),
      page.locator("#main").getByRole("link", { name: "Sign in" }).click(),
    ]);
    await page.getByLabel("E-mail address").fill(user.email);
    await page.getByLabel("Password", { exact: true }).fill(newPassword);
    await Promise.all([
      page.waitForURL(`${origin}/account?notice=signed-in`),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    assert.equal(answered(await fetchFromPage(page, "/api/account", { method: "GET" })).status, 200);
    assert.equal(
      (await oldDevice.get("/api/account")).statusCode,
      401,
      "the session from before the recovery has ended",
    );
  });
});
