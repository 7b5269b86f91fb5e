import assert from "node:assert/strict";
import type { UserRecord } from "../../src/domain/user.ts";
import type { TestApp } from "./app.ts";
import { goodPassword } from "./fixtures.ts";
import type { HttpClient } from "./http-client.ts";

/** The parts of an HTTP answer these helpers read: light-my-request responses and fetch results both fit. */
export interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
}

export const sessionCookieName = "gatehouse_session";

/** Stack frames, driver messages and SQL: none of these may ever reach a client. */
const leakPatterns: readonly RegExp[] = [
  /\bat [^\s]+ \(/,
  /\.ts:\d+:\d+/,
  /node_modules/,
  /\bstack\b/i,
  /\b(SELECT|INSERT|UPDATE|DELETE)\s.+\b(FROM|INTO|SET|WHERE)\b/i,
  /\bsqlite/i,
  /\bpostgres|\bpg_|\bSQLSTATE\b|\bsyntax error\b/i,
  /\bFST_[A-Z_]+/,
];

export function assertNoLeak(body: string, label = ""): void {
  for (const pattern of leakPatterns) assert.doesNotMatch(body, pattern, `${label}: body leaks ${pattern}`);
}

/**
 * An RFC 9457 problem answer with one of our codes, and nothing from inside the server. Returns the code.
 */
export function assertProblem(response: Answer, status: number, code?: string, label = ""): string {
  const where = `${label} (${response.statusCode} ${response.body.slice(0, 200)})`;
  assert.equal(response.statusCode, status, where);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/, where);
  const body = JSON.parse(response.body) as { code?: unknown; status?: unknown };
  assert.equal(typeof body.code, "string", where);
  assert.match(String(body.code), /^[A-Z][A-Z_]+$/, where);
  assert.equal(body.status, status, where);
  if (code !== undefined) assert.equal(body.code, code, where);
  assertNoLeak(response.body, label);
  return String(body.code);
}

/** A refusal of any kind: 4xx problem+json with a code, never a 5xx. */
export function assertClientError(response: Answer, label = ""): string {
  const where = `${label} (${response.statusCode} ${response.body.slice(0, 200)})`;
  assert.ok(response.statusCode >= 400 && response.statusCode < 500, `expected a 4xx: ${where}`);
  return assertProblem(response, response.statusCode, undefined, label);
}

function header(response: Answer, name: string): string {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(", ") : String(value ?? "");
}

/** The headers every response must carry, whatever its status (SECURITY.md 1.4). */
export function assertSecurityHeaders(response: Answer, label = ""): void {
  const where = `${label} (${response.statusCode})`;
  assert.match(header(response, "cache-control"), /\bno-store\b/, `Cache-Control on ${where}`);
  assert.equal(header(response, "x-content-type-options"), "nosniff", `nosniff on ${where}`);
  const csp = new Map(
    header(response, "content-security-policy")
      .split(";")
      .map((directive) => directive.trim().split(/\s+/))
      .map(([name = "", ...values]) => [name.toLowerCase(), values] as const),
  );
  // object-src falls back to default-src (the API's CSP says only `default-src 'none'`); base-uri does not.
  assert.deepEqual(csp.get("object-src") ?? csp.get("default-src"), ["'none'"], `CSP object-src on ${where}`);
  assert.deepEqual(csp.get("base-uri"), ["'none'"], `CSP base-uri on ${where}`);
  assert.deepEqual(csp.get("frame-ancestors"), ["'none'"], `CSP frame-ancestors on ${where}`);
  const maxAge = /(?:^|;)\s*max-age=(\d+)/i.exec(header(response, "strict-transport-security"));
  assert.ok(maxAge !== null && Number(maxAge[1]) >= 31_536_000, `HSTS max-age on ${where}`);
}

export interface SetCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names lower-cased; flags map to "". */
  readonly attributes: ReadonlyMap<string, string>;
  readonly raw: string;
}

export function parseSetCookie(raw: string): SetCookie {
  const [pair = "", ...parts] = raw.split(";");
  const eq = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const part of parts) {
    const at = part.indexOf("=");
    const key = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
    attributes.set(key, at === -1 ? "" : part.slice(at + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, raw };
}

export function setCookies(response: Answer): SetCookie[] {
  const value = response.headers["set-cookie"];
  const raws = value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
  return raws.map(parseSetCookie);
}

/** The one session cookie a response sets. */
export function sessionSetCookie(response: Answer, name = sessionCookieName): SetCookie {
  const cookies = setCookies(response).filter((cookie) => cookie.name === name);
  assert.equal(
    cookies.length,
    1,
    `expected one ${name} Set-Cookie, got ${JSON.stringify(response.headers["set-cookie"])}`,
  );
  return cookies[0] as SetCookie;
}

/** The token a device holds, split into the session id (the row key) and the secret (never stored). */
export function tokenOf(client: HttpClient, name = sessionCookieName): { token: string; id: string; secret: string } {
  const token = client.cookies.get(name);
  assert.ok(token !== undefined, `the device holds a ${name} cookie`);
  const [id = "", secret = ""] = token.split(".");
  return { token, id, secret };
}

/** A device that signs in with a given User-Agent, so the session list can tell devices apart. */
export async function signInWithAgent(t: TestApp, user: { email: string }, userAgent: string): Promise<HttpClient> {
  const client = t.client();
  const response = await client.post(
    "/api/auth/login",
    { email: user.email, password: goodPassword },
    { headers: { "user-agent": userAgent } },
  );
  assert.equal(response.statusCode, 200, response.body);
  return client;
}

/** Signs the same user in on several devices. */
export async function signInMany(t: TestApp, user: { email: string }, count: number): Promise<HttpClient[]> {
  const devices: HttpClient[] = [];
  for (let i = 0; i < count; i += 1) devices.push(await signInWithAgent(t, user, `Device/${i + 1}`));
  return devices;
}

/** The status a device gets on its next authenticated request. */
export async function statusOf(client: HttpClient): Promise<number> {
  return (await client.get("/api/account")).statusCode;
}

/** Everything about users and sessions that a refused request must leave exactly as it was. */
export interface StoreSnapshot {
  readonly users: readonly Pick<
    UserRecord,
    "id" | "email" | "name" | "role" | "status" | "passwordHash" | "updatedAt" | "purgeAfter"
  >[];
  readonly sessions: readonly { id: string; userId: string; authenticatedAt: number; expiresAt: number }[];
}

export async function snapshotStore(t: TestApp): Promise<StoreSnapshot> {
  const users: UserRecord[] = [];
  for (;;) {
    const last = users.at(-1);
    const page = await t.store.listUsers({ limit: 500, ...(last === undefined ? {} : { after: last.id }) });
    users.push(...page);
    if (page.length < 500) break;
  }
  const sessions: StoreSnapshot["sessions"][number][] = [];
  for (const user of users) {
    for (const session of await t.store.listUserSessions(user.id)) {
      const { id, userId, authenticatedAt, expiresAt } = session;
      sessions.push({ id, userId, authenticatedAt, expiresAt });
    }
  }
  sessions.sort((a, b) => a.id.localeCompare(b.id));
  return {
    users: users.map(({ id, email, name, role, status, passwordHash, updatedAt, purgeAfter }) => ({
      id,
      email,
      name,
      role,
      status,
      passwordHash,
      updatedAt,
      purgeAfter,
    })),
    sessions,
  };
}

/**
 * The last-seen time the store holds for a session once its pending touch has landed. The session check
 * sends that write without waiting for it, so a test that jumps the clock reads the store until it shows
 * the expected value (bounded, no timers) before moving on.
 */
export async function settledLastSeen(
  t: TestApp,
  userId: string,
  sessionId: string,
  expected: number,
): Promise<number> {
  let seen = Number.NaN;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const session = (await t.store.listUserSessions(userId)).find((candidate) => candidate.id === sessionId);
    seen = session?.lastSeenAt ?? Number.NaN;
    if (seen === expected) return seen;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seen;
}
