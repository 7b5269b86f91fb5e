import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, parseConfig } from "../../src/config.ts";

const secret = "s".repeat(32);

describe("configuration", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "gatehouse-config-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  /** An environment that never touches the working directory: a temp DATA_DIR and, unless removed, a secret. */
  const env = (values: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
    DATA_DIR: dataDir,
    GATEHOUSE_SECRET: secret,
    ...values,
  });

  function assertRefused(values: Record<string, string | undefined>, variable: string): void {
    assert.throws(
      () => parseConfig(env(values)),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, new RegExp(`\\b${variable}\\b`));
        return true;
      },
      JSON.stringify(values),
    );
  }

  test("defaults: port 3000 on 127.0.0.1, idle 30 minutes, absolute 12 hours, sign-up open", () => {
    const config = parseConfig(env());
    assert.equal(config.port, 3000);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.sessionIdleMs, 30 * 60_000);
    assert.equal(config.sessionAbsoluteMs, 12 * 3_600_000);
    assert.equal(config.reauthWindowMs, 15 * 60_000);
    assert.equal(config.signupOpen, true);
    assert.equal(config.trustProxy, false);
    assert.equal(config.logLevel, "info");
    assert.equal(config.publicUrl.href, "http://127.0.0.1:3000/");
    // The SQLite file lives in DATA_DIR unless DATABASE_URL says otherwise.
    assert.deepEqual(config.database, { kind: "sqlite", path: join(dataDir, "gatehouse.sqlite") });
    assert.equal(config.dataDir, dataDir);
  });

  test("the parsed configuration is frozen", () => {
    const config = parseConfig(env());
    assert.ok(Object.isFrozen(config));
  });

  test("GATEHOUSE_SECRET from the environment is used as given", () => {
    const config = parseConfig(env());
    assert.equal(config.secretSource, "environment");
    assert.deepEqual(config.secret, Buffer.from(secret, "utf8"));
  });

  test("an https PUBLIC_URL is kept, and the default public URL follows HOST and PORT", () => {
    const config = parseConfig(env({ PUBLIC_URL: "https://accounts.example.com" }));
    assert.equal(config.publicUrl.protocol, "https:");
    assert.equal(config.publicUrl.host, "accounts.example.com");
    assert.equal(parseConfig(env({ HOST: "::1", PORT: "8080" })).publicUrl.href, "http://[::1]:8080/");
  });

  test("a postgres:// DATABASE_URL selects PostgreSQL", () => {
    const url = "postgres://gatehouse@db.internal:5432/gatehouse";
    assert.deepEqual(parseConfig(env({ DATABASE_URL: url })).database, { kind: "postgres", url });
  });

  test("issue 15.4: DATABASE_URL is a path, a file: or sqlite: URL, or postgres(ql)://, its scheme in any case", () => {
    const read = (value: string) => parseConfig(env({ DATABASE_URL: value })).database;
    assert.deepEqual(read("./data/g.sqlite"), { kind: "sqlite", path: "./data/g.sqlite" });
    assert.deepEqual(read("/var/lib/gatehouse/g.sqlite"), { kind: "sqlite", path: "/var/lib/gatehouse/g.sqlite" });
    assert.deepEqual(read(":memory:"), { kind: "sqlite", path: ":memory:" });
    assert.deepEqual(read("C:\\gatehouse\\g.sqlite"), { kind: "sqlite", path: "C:\\gatehouse\\g.sqlite" });
    assert.deepEqual(read("sqlite:./g.sqlite"), { kind: "sqlite", path: "./g.sqlite" });
    assert.deepEqual(read("SQLite://./g.sqlite"), { kind: "sqlite", path: "./g.sqlite" });
    assert.deepEqual(read("file:///srv/g.sqlite"), { kind: "sqlite", path: "/srv/g.sqlite" });
    assert.deepEqual(read("File:g.sqlite"), { kind: "sqlite", path: "g.sqlite" });
    assert.deepEqual(read("Postgres://u@db/g"), { kind: "postgres", url: "postgres://u@db/g" });
    assert.deepEqual(read("POSTGRESQL://u@db/g"), { kind: "postgres", url: "postgresql://u@db/g" });
  });

  test("issue 15.4: any other DATABASE_URL stops the program with a message naming the variable", () => {
    for (const value of [
      "mysql://x",
      "mariadb://u@db/g",
      "postgres:/db",
      "postgres://",
      "sqlite:",
      "file:",
      "http://db/g",
      "pg://db",
    ]) {
      assert.throws(
        () => parseConfig(env({ DATABASE_URL: value })),
        (error: unknown) => error instanceof ConfigError && /DATABASE_URL/.test(error.message),
        value,
      );
    }
    assert.throws(
      () => parseConfig(env({ DATABASE_URL: "mysql://x" })),
      /"mysql:" is not a database Gatehouse can use/,
    );
  });

  test("explicit values are read: lifetimes at their upper bounds, flags in their spellings", () => {
    const config = parseConfig(env({ SESSION_IDLE_MINUTES: "60", SESSION_ABSOLUTE_HOURS: "24", SIGNUP_OPEN: "no" }));
    assert.equal(config.sessionIdleMs, 60 * 60_000);
    assert.equal(config.sessionAbsoluteMs, 24 * 3_600_000);
    assert.equal(config.signupOpen, false);
  });

  test("TRUST_PROXY names no proxy, a number of hops, or the proxies' addresses and ranges", () => {
    const trusted = (value: string) => parseConfig(env({ TRUST_PROXY: value })).trustProxy;
    for (const none of ["false", "no", "0", " FALSE "]) assert.equal(trusted(none), false, none);
    assert.equal(trusted("1"), 1);
    assert.equal(trusted("3"), 3);
    assert.deepEqual(trusted("127.0.0.1"), ["127.0.0.1"]);
    assert.deepEqual(trusted("10.0.0.0/8, 192.168.1.4 ,::1"), ["10.0.0.0/8", "192.168.1.4", "::1"]);
    assert.deepEqual(trusted("fd00::/8,2001:db8::/32,fe80::1%eth0"), ["fd00::/8", "2001:db8::/32", "fe80::1%eth0"]);
    assert.deepEqual(trusted("loopback, linklocal, uniquelocal"), ["loopback", "linklocal", "uniquelocal"]);
    assert.deepEqual(trusted("172.16.0.0/12,Loopback"), ["172.16.0.0/12", "loopback"]);
  });

  test("issue 9.6: TRUST_PROXY=true, which let every client choose its own address, stops the start and says what to write instead", () => {
    for (const value of ["true", "TRUE", "yes"]) {
      assert.throws(
        () => parseConfig(env({ TRUST_PROXY: value })),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /TRUST_PROXY: .*every hop/);
          assert.match(error.message, /number of proxies .*\(for example 1\).*addresses or CIDR ranges/);
          return true;
        },
        value,
      );
    }
  });

  test("a TRUST_PROXY that is no hop count, address or range is refused, as is one that trusts every address", () => {
    for (const value of [
      "",
      " ",
      "maybe",
      "101",
      "-1",
      "1.5",
      "127.0.0.256",
      "10.0.0.0/33",
      "::1/129",
      "10.0.0.0/x",
      "10.0.0.0/8/8",
      "10.0.0.0/255.0.0.0",
      "127.0.0.1,",
      "127.0.0.1,,10.0.0.1",
      "0.0.0.0/0",
      "::/0",
      "proxy.internal",
    ]) {
      assertRefused({ TRUST_PROXY: value }, "TRUST_PROXY");
    }
  });

  test("each bad value is refused with a ConfigError that names the variable", () => {
    assertRefused({ PORT: "abc" }, "PORT");
    assertRefused({ PORT: "65536" }, "PORT");
    assertRefused({ PORT: "80.5" }, "PORT");
    assertRefused({ SESSION_IDLE_MINUTES: "61" }, "SESSION_IDLE_MINUTES");
    assertRefused({ SESSION_IDLE_MINUTES: "0" }, "SESSION_IDLE_MINUTES");
    assertRefused({ SESSION_ABSOLUTE_HOURS: "25" }, "SESSION_ABSOLUTE_HOURS");
    assertRefused({ SESSION_ABSOLUTE_HOURS: "0" }, "SESSION_ABSOLUTE_HOURS");
    assertRefused({ REAUTH_WINDOW_MINUTES: "61" }, "REAUTH_WINDOW_MINUTES");
    assertRefused({ GATEHOUSE_SECRET: "s".repeat(31) }, "GATEHOUSE_SECRET");
    assertRefused({ SIGNUP_OPEN: "maybe" }, "SIGNUP_OPEN");
    assertRefused({ PUBLIC_URL: "ftp://accounts.example.com" }, "PUBLIC_URL");
    assertRefused({ PUBLIC_URL: "not a url" }, "PUBLIC_URL");
    assertRefused({ LOG_LEVEL: "verbose" }, "LOG_LEVEL");
  });

  test("issue 12.3: PUBLIC_URL may carry a path of plain segments; no user name, query, fragment or escapes", () => {
    assert.equal(parseConfig(env({ PUBLIC_URL: "https://app.example/auth" })).publicUrl.pathname, "/auth");
    assert.equal(parseConfig(env({ PUBLIC_URL: "https://app.example/a/b/" })).publicUrl.pathname, "/a/b/");
    for (const value of [
      "https://user:pass@app.example/auth",
      "https://app.example/auth?x=1",
      "https://app.example/auth#top",
      "https://app.example/a%2Fb",
      "https://app.example/a%20b",
      "https://app.example/caf\u00e9",
      "https://app.example//auth",
    ]) {
      assertRefused({ PUBLIC_URL: value }, "PUBLIC_URL");
    }
  });

  test("issue 12.2: ALLOWED_HOSTS is parsed into exact hosts and subdomain suffixes; a bad entry stops the start", () => {
    assert.deepEqual(parseConfig(env()).allowedHosts, []);
    assert.deepEqual(parseConfig(env({ ALLOWED_HOSTS: "app.example.com,.apps.example.com" })).allowedHosts, [
      { hostname: "app.example.com", port: "", subdomains: false },
      { hostname: "apps.example.com", port: "", subdomains: true },
    ]);
    for (const value of ["*", ".com", "https://app.example.com", "app.example.com/x", "a,,b"]) {
      assertRefused({ ALLOWED_HOSTS: value }, "ALLOWED_HOSTS");
    }
  });

  test("issue 12.3: COOKIE_DOMAIN must be the public host or a parent of it, never a top-level domain", () => {
    assert.equal(parseConfig(env()).cookieDomain, null);
    const https = { PUBLIC_URL: "https://id.example.com" };
    assert.equal(parseConfig(env({ ...https, COOKIE_DOMAIN: "example.com" })).cookieDomain, "example.com");
    assert.equal(parseConfig(env({ ...https, COOKIE_DOMAIN: ".Example.com" })).cookieDomain, "example.com");
    assert.equal(parseConfig(env({ ...https, COOKIE_DOMAIN: "id.example.com" })).cookieDomain, "id.example.com");
    for (const value of [
      "com",
      ".com",
      "other.com",
      "ample.com",
      "sub.id.example.com",
      "example.com:443",
      "",
      "a b.com",
    ]) {
      assertRefused({ ...https, COOKIE_DOMAIN: value }, "COOKIE_DOMAIN");
    }
    assert.throws(
      () => parseConfig(env({ ...https, COOKIE_DOMAIN: "com" })),
      /COOKIE_DOMAIN: "com" is a top-level domain/,
    );
    assert.throws(
      () => parseConfig(env({ ...https, COOKIE_DOMAIN: "other.com" })),
      /the public host id\.example\.com is not other\.com or a subdomain of it/,
    );
    assertRefused({ PUBLIC_URL: "http://127.0.0.1:3000", COOKIE_DOMAIN: "127.0.0.1" }, "COOKIE_DOMAIN");
  });

  test("an empty PORT is refused rather than read as port 0", () => {
    assertRefused({ PORT: "" }, "PORT");
    assertRefused({ PORT: " " }, "PORT");
  });

  test("an idle lifetime longer than the absolute lifetime cannot be configured", () => {
    // The bounds (idle at most 60 minutes, absolute at least 1 hour) already keep idle <= absolute:
    // the closest a configuration can come is idle equal to absolute, which is allowed.
    const config = parseConfig(env({ SESSION_IDLE_MINUTES: "60", SESSION_ABSOLUTE_HOURS: "1" }));
    assert.equal(config.sessionIdleMs, config.sessionAbsoluteMs);
    assertRefused({ SESSION_IDLE_MINUTES: "61", SESSION_ABSOLUTE_HOURS: "1" }, "SESSION_IDLE_MINUTES");
  });

  test("without GATEHOUSE_SECRET a secret file is created in DATA_DIR with mode 0600 and re-read next time", () => {
    const dir = join(dataDir, "fresh", "nested");
    const first = parseConfig({ DATA_DIR: dir });
    const path = join(dir, "secret");
    assert.equal(first.secretSource, "file");
    assert.equal(first.secret.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(Buffer.from(readFileSync(path, "utf8").trim(), "base64"), first.secret);

    const second = parseConfig({ DATA_DIR: dir });
    assert.equal(second.secretSource, "file");
    assert.deepEqual(second.secret, first.secret);
  });

  test("a secret file that is too short is refused", () => {
    const dir = mkdtempSync(join(dataDir, "short-"));
    writeFileSync(join(dir, "secret"), `${Buffer.alloc(16).toString("base64")}\n`, { mode: 0o600 });
    assert.throws(() => parseConfig({ DATA_DIR: dir }), ConfigError);
  });
});
