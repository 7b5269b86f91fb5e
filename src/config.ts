import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { type AllowedHost, type AllowedHosts, canonicalHost } from "./http/allowed-hosts.ts";
import { type AuthzRule, parseAuthzRules } from "./http/authz-rules.ts";
import { parseTrustedProxies, type TrustedProxies } from "./http/trusted-proxies.ts";
import { makePrivateDirectory } from "./infra/private-files.ts";
import { parseMailFrom, parseSmtpUrl, type SmtpTarget } from "./infra/smtp-url.ts";
import { type SharedSettingName, sharedSettingNames, sharedSettingRules } from "./shared-setting-rules.ts";
import { parseDatabaseUrl } from "./store/database-url.ts";
import type { DatabaseLocation } from "./store/open-store.ts";

/**
 * @module
 * Configuration comes from the environment (and ./.env when present), is parsed once at start, and is
 * frozen. A bad value stops the program with a message naming the variable.
 *
 * Session lifetimes follow NIST SP 800-63B-4 §2.2.3 (AAL2): overall (absolute) timeout no more than 24 h,
 * inactivity no more than 1 h. Defaults are 12 h and 30 min (the tighter 800-63B-3 figures). Larger values
 * are refused rather than silently allowed: a deployment that needs them should change this code knowingly.
 */
const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

/** A whole number in range; an empty or blank value is refused rather than read as 0. */
const wholeNumber = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(min).max(max));

/** A setting every process on one database shares, in its range (shared-setting-rules.ts). */
const sharedSetting = (name: SharedSettingName) => {
  const rule = sharedSettingRules[name];
  return wholeNumber(rule.min, rule.max).default(rule.fallback);
};

/** pino's levels (fastify's logger), "silent" included. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

const schema = z.object({
  DATABASE_URL: z
    .string()
    .min(1)
    .optional()
    .transform((value, context): DatabaseLocation | undefined => {
      if (value === undefined) return undefined;
      const parsed = parseDatabaseUrl(value);
      if (parsed.ok) return parsed.location;
      context.addIssue({ code: "custom", message: parsed.problem });
      return z.NEVER;
    }),
  DATA_DIR: z.string().min(1).default("./data"),
  PORT: wholeNumber(0, 65_535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .check(
      z.refine((value) => {
        const url = URL.parse(value);
        return url === null || (url.username === "" && url.password === "" && url.search === "" && url.hash === "");
      }, "must be scheme://host[:port] with at most a path: no user name, password, query or fragment"),
      z.refine(
        (value) => /^(\/[A-Za-z0-9._~-]+)*\/?$/.test(URL.parse(value)?.pathname ?? "/"),
        "its path may only hold segments of letters, digits and . _ ~ - (for example https://app.example/auth)",
      ),
    )
    .optional(),
  ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((value, context): AllowedHosts => {
      const parsed = parseAllowedHosts(value);
      if (parsed.ok) return parsed.value;
      context.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }),
  COOKIE_DOMAIN: z.string().trim().min(1).optional(),
  GATEHOUSE_SECRET: z
    .string()
    .min(32, "must be at least 32 characters (for example: openssl rand -base64 48)")
    .optional(),
  SESSION_IDLE_MINUTES: sharedSetting("SESSION_IDLE_MINUTES"),
  SESSION_ABSOLUTE_HOURS: sharedSetting("SESSION_ABSOLUTE_HOURS"),
  REAUTH_WINDOW_MINUTES: sharedSetting("REAUTH_WINDOW_MINUTES"),
  DELETION_GRACE_DAYS: sharedSetting("DELETION_GRACE_DAYS"),
  EVENT_RETENTION_DAYS: wholeNumber(1, 365).default(30),
  WEBHOOK_TIMEOUT_SECONDS: wholeNumber(1, 60).default(15),
  WEBHOOK_ALLOW_HTTP: booleanFlag.default(false),
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: booleanFlag.default(false),
  SIGNUP_OPEN: booleanFlag.default(true),
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((value, context): TrustedProxies => {
      const parsed = parseTrustedProxies(value);
      if (parsed.ok) return parsed.value;
      context.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }),
  AUTHZ_RULES: z
    .string()
    .default("")
    .transform((value, context): readonly AuthzRule[] => {
      const parsed = parseAuthzRules(value);
      if (parsed.ok) return parsed.value;
      context.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }),
  PASSWORD_HASH_CONCURRENCY: wholeNumber(1, 256).optional(),
  LOG_REQUESTS: booleanFlag.default(false),
  LOG_LEVEL: z.enum(logLevels).default("info"),
  // Mail (infra/smtp-url.ts): off unless SMTP_URL is set; never echoed, its password least of all.
  SMTP_URL: z
    .string()
    .trim()
    .optional()
    .transform((value, context): SmtpTarget | undefined => {
      if (value === undefined || value === "") return undefined;
      const parsed = parseSmtpUrl(value);
      if (parsed.ok) return parsed.target;
      context.addIssue({ code: "custom", message: parsed.problem });
      return z.NEVER;
    }),
  MAIL_FROM: z
    .string()
    .optional()
    .transform((value, context): string | undefined => {
      if (value === undefined || value.trim() === "") return undefined;
      const parsed = parseMailFrom(value);
      if (parsed.ok) return parsed.from;
      context.addIssue({ code: "custom", message: parsed.problem });
      return z.NEVER;
    }),
});

/** Every environment variable the configuration reads (docs/configuration.md documents each). */
export const configVariables: readonly string[] = Object.keys(schema.shape);

export interface Config {
  readonly database: DatabaseLocation;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  /** PUBLIC_URL as given; its path, when it has one, prefixes every route (http/route-path.ts `basePathOf`). */
  readonly publicUrl: URL;
  /** Hosts besides the public one a sign-in may return to (ALLOWED_HOSTS, http/allowed-hosts.ts). */
  readonly allowedHosts: AllowedHosts;
  /** COOKIE_DOMAIN: the parent domain the session cookie is set for; null keeps it a host-only __Host- cookie. */
  readonly cookieDomain: string | null;
  readonly secret: Buffer;
  readonly secretSource: "environment" | "file";
  readonly sessionIdleMs: number;
  readonly sessionAbsoluteMs: number;
  readonly reauthWindowMs: number;
  readonly signupOpen: boolean;
  /** 0 erases at once; otherwise accounts are disabled at once and erased after the grace period. */
  readonly deletionGraceMs: number;
  /**
   * The settings every process on one database must share (shared-settings.ts) that this environment sets;
   * the others are taken from the database when it holds them.
   */
  readonly explicitSharedSettings: readonly SharedSettingName[];
  /** How long the events feed keeps an event (domain/events/event-feed.ts); older ones are pruned. */
  readonly eventRetentionMs: number;
  /**
   * Webhook delivery (infra/webhook-sender.ts): the request timeout, and the two relaxations of the SSRF
   * rules, both off by default: plain http endpoints, and loopback / private / link-local addresses.
   */
  readonly webhooks: {
    readonly timeoutMs: number;
    readonly allowHttp: boolean;
    readonly allowPrivateAddresses: boolean;
  };
  /** Which proxies may say who the client is (http/trusted-proxies.ts); false: none, the peer is the client. */
  readonly trustProxy: TrustedProxies;
  /** Which role a URL behind the proxy needs (http/authz-rules.ts); empty: any signed-in user. */
  readonly authzRules: readonly AuthzRule[];
  /** Password hashes computed at once; undefined adapts to the event loop (infra/argon2-hasher.ts). */
  readonly passwordHashConcurrency: number | undefined;
  readonly logLevel: LogLevel;
  /** Per-request log lines (fastify's "incoming request" / "request completed"), at info level. */
  readonly logRequests: boolean;
  /** SMTP_URL and MAIL_FROM: the mail server and the sender; null (no e-mail at all) when SMTP_URL is unset. */
  readonly mail: MailSettings | null;
}

export interface MailSettings {
  readonly smtp: SmtpTarget;
  readonly from: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const values = parsed.data;
  const idleMs = values.SESSION_IDLE_MINUTES * 60_000;
  const absoluteMs = values.SESSION_ABSOLUTE_HOURS * 3_600_000;
  if (idleMs > absoluteMs) {
    throw new ConfigError("Invalid configuration:\n  SESSION_IDLE_MINUTES: must not exceed SESSION_ABSOLUTE_HOURS");
  }
  const publicUrl = new URL(values.PUBLIC_URL ?? `http://${urlHost(values.HOST)}:${values.PORT}`);
  const cookieDomain = values.COOKIE_DOMAIN === undefined ? null : checkedCookieDomain(values.COOKIE_DOMAIN, publicUrl);
  const dataDir = resolve(values.DATA_DIR);
  if (values.SMTP_URL !== undefined && values.MAIL_FROM === undefined) {
    throw new ConfigError(
      "Invalid configuration:\n  MAIL_FROM: is required when SMTP_URL is set (the sender's address)",
    );
  }
  const secret = values.GATEHOUSE_SECRET === undefined ? readOrCreateSecret(dataDir) : null;
  return Object.freeze({
    database: values.DATABASE_URL ?? ({ kind: "sqlite", path: join(dataDir, "gatehouse.sqlite") } as const),
    dataDir,
    port: values.PORT,
    host: values.HOST,
    publicUrl,
    allowedHosts: values.ALLOWED_HOSTS,
    cookieDomain,
    secret: secret ?? Buffer.from(values.GATEHOUSE_SECRET ?? "", "utf8"),
    secretSource: secret === null ? "environment" : "file",
    sessionIdleMs: idleMs,
    sessionAbsoluteMs: absoluteMs,
    reauthWindowMs: values.REAUTH_WINDOW_MINUTES * 60_000,
    signupOpen: values.SIGNUP_OPEN,
    deletionGraceMs: values.DELETION_GRACE_DAYS * 86_400_000,
    explicitSharedSettings: sharedSettingNames.filter((name) => (env[name] ?? "").trim() !== ""),
    eventRetentionMs: values.EVENT_RETENTION_DAYS * 86_400_000,
    webhooks: Object.freeze({
      timeoutMs: values.WEBHOOK_TIMEOUT_SECONDS * 1_000,
      allowHttp: values.WEBHOOK_ALLOW_HTTP,
      allowPrivateAddresses: values.WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
    }),
    trustProxy: values.TRUST_PROXY,
    authzRules: values.AUTHZ_RULES,
    passwordHashConcurrency: values.PASSWORD_HASH_CONCURRENCY,
    logLevel: values.LOG_LEVEL,
    logRequests: values.LOG_REQUESTS,
    mail:
      values.SMTP_URL === undefined || values.MAIL_FROM === undefined
        ? null
        : Object.freeze({ smtp: values.SMTP_URL, from: values.MAIL_FROM }),
  });
}

export type AllowedHostsParse =
  | { readonly ok: true; readonly value: AllowedHosts }
  | { readonly ok: false; readonly message: string };

/**
 * ALLOWED_HOSTS: a comma-separated list of exact hosts (`app.example.com`, `app.example.com:8443`) and
 * subdomain suffixes (`.example.com`: any subdomain, not example.com itself). Each entry must already be in
 * the URL parser's canonical form (lower case, punycode for IDNs, no default port) so that what is matched
 * is what the operator wrote. Wildcards, URLs, paths and a suffix of a single label (`.com`) are refused.
 * Also read by the verify endpoint for the original URLs it accepts.
 */
export function parseAllowedHosts(text: string): AllowedHostsParse {
  if (text.trim() === "") return { ok: true, value: [] };
  const hosts: AllowedHost[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") return { ok: false, message: "an entry is empty (two commas in a row, or a trailing comma)" };
    if (entry.includes("*")) {
      return { ok: false, message: `"${entry}": no wildcards; write .example.com for every subdomain of example.com` };
    }
    const subdomains = entry.startsWith(".");
    const host = canonicalHost(subdomains ? entry.slice(1) : entry, "https:");
    if (host === null) {
      return {
        ok: false,
        message: `"${entry}" is not a host[:port] as a URL writes it (lower case, punycode, no scheme, path or default port)`,
      };
    }
    if (subdomains && (!host.hostname.includes(".") || isIpLiteral(host.hostname))) {
      return {
        ok: false,
        message: `"${entry}" would allow a whole top-level domain or an address; name a domain with a dot in it`,
      };
    }
    hosts.push({ hostname: host.hostname, port: host.port, subdomains });
  }
  return { ok: true, value: Object.freeze(hosts) };
}

/**
 * COOKIE_DOMAIN must be the public host or a parent domain of it, a name with at least two labels: a bare
 * top-level domain (`com`), an address or another site's domain is refused at start. (A multi-label public
 * suffix such as `co.uk` cannot be told apart here without the Public Suffix List; browsers refuse such a
 * cookie, so sign-in would visibly fail rather than leak.)
 */
function checkedCookieDomain(value: string, publicUrl: URL): string {
  const domain = value.toLowerCase().replace(/^\./, "");
  const refuse = (why: string): never => {
    throw new ConfigError(`Invalid configuration:\n  COOKIE_DOMAIN: ${why}`);
  };
  const host = canonicalHost(domain, "https:");
  if (host === null || host.port !== "" || host.hostname !== domain || isIpLiteral(domain)) {
    refuse(`"${value}" is not a domain name (for example example.com)`);
  }
  if (!domain.includes(".")) refuse(`"${value}" is a top-level domain: every site under it would receive the cookie`);
  if (publicUrl.hostname !== domain && !publicUrl.hostname.endsWith(`.${domain}`)) {
    refuse(`the public host ${publicUrl.hostname} is not ${domain} or a subdomain of it`);
  }
  return domain;
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || /^[\d.]+$/.test(hostname);
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Without GATEHOUSE_SECRET, a 256-bit secret is generated once and kept in DATA_DIR/secret (mode 0600;
 * DATA_DIR is made 0700 if this creates it).
 * Several processes may start together on a new DATA_DIR: the file is written under a temporary name and
 * linked into place, which fails if another process won, so every process ends up reading the same secret.
 */
function readOrCreateSecret(dataDir: string): Buffer {
  const path = join(dataDir, "secret");
  if (!existsSync(path)) {
    makePrivateDirectory(dataDir);
    const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}`;
    writeFileSync(temporary, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(temporary, 0o600);
    try {
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      unlinkSync(temporary);
    }
  }
  const secret = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  if (secret.length < 32) throw new ConfigError(`Invalid configuration:\n  ${path}: the secret is too short`);
  return secret;
}
