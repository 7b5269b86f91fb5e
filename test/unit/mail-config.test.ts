import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import { ConfigError, parseConfig } from "../../src/config.ts";

/** SMTP_URL and MAIL_FROM (docs/configuration.md): strict, and the URL's password shown nowhere. */
const password = "Sup3r-S3cret-SMTP-pw";

describe("mail configuration", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "gatehouse-mail-config-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const parse = (values: Record<string, string>) =>
    parseConfig({ DATA_DIR: dataDir, GATEHOUSE_SECRET: "s".repeat(32), ...values });

  function assertRefused(values: Record<string, string>, variable: string): void {
    assert.throws(
      () => parse(values),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, new RegExp(`\\b${variable}\\b`));
        assert.ok(!error.message.includes(password), "the password is not in the message");
        return true;
      },
      JSON.stringify(values),
    );
  }

  test("unset: no mail", () => {
    assert.equal(parse({}).mail, null);
  });

  test("smtp:// and smtps://, the scheme in any case, credentials in the URL, default ports", () => {
    const plain = parse({ SMTP_URL: `SMTP://mailer:${password}@Mail.Example.com`, MAIL_FROM: "gh@example.com" }).mail;
    assert.deepEqual(
      { ...plain?.smtp },
      { secure: false, host: "mail.example.com", port: 587, user: "mailer", password },
    );
    const tls = parse({ SMTP_URL: "smtps://mail.example.com:2465", MAIL_FROM: "Gatehouse <gh@example.com>" }).mail;
    assert.deepEqual(
      { ...tls?.smtp },
      { secure: true, host: "mail.example.com", port: 2465, user: null, password: null },
    );
    assert.equal(tls?.from, "Gatehouse <gh@example.com>");
  });

  test("anything else stops the program naming the variable, never echoing the password", () => {
    for (const url of [
      `http://u:${password}@mail.example.com`,
      `smtp:/u:${password}@mail.example.com`,
      `smtp://u:${password}@mail.example.com/path`,
      `smtp://u:${password}@mail.example.com?x=1`,
      `smtp://u:${password}@mail.example.com:99999`,
      "mail.example.com:587",
      "smtp://",
    ]) {
      assertRefused({ SMTP_URL: url, MAIL_FROM: "gh@example.com" }, "SMTP_URL");
    }
    assertRefused({ SMTP_URL: "smtp://mail.example.com" }, "MAIL_FROM");
    for (const from of ["not an address", "a@b.c\r\nBcc: x@y.z", "Name <a@b.c>, x@y.z", "<>"]) {
      assertRefused({ SMTP_URL: "smtp://mail.example.com", MAIL_FROM: from }, "MAIL_FROM");
    }
  });

  test("the parsed configuration renders the URL with its password masked (JSON, inspect)", () => {
    const config = parse({ SMTP_URL: `smtp://mailer:${password}@mail.example.com`, MAIL_FROM: "gh@example.com" });
    for (const rendered of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(JSON.stringify(config.mail)),
    ]) {
      assert.ok(!rendered.includes(password), rendered);
    }
    assert.match(JSON.stringify(config.mail), /smtp:\/\/mailer:\*\*\*@mail\.example\.com/);
  });
});
