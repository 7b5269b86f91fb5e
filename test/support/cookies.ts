import assert from "node:assert/strict";
import type { Answer } from "./http-assertions.ts";
import type { HttpClient } from "./http-client.ts";

/** @module The session cookie as a client sees it: its name, the Set-Cookie headers, the token a device holds. */

/** Over plain http; over https it carries the `__Host-` prefix (src/http/session-cookie.ts). */
export const sessionCookieName = "gatehouse_session";

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
