import assert from "node:assert/strict";
import { type AddressInfo, connect } from "node:net";
import { describe, test } from "node:test";
import { apiSecurityHeaders } from "../../src/http/security-headers.ts";
import { goodPassword, uniqueEmail } from "../support/accounts.ts";
import { startTestApp } from "../support/app.ts";
import { parseSetCookie } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { type Answer, assertProblem, assertSecurityHeaders } from "../support/http-assertions.ts";

/** A fetch answer in the shape the assertions read. */
async function answer(response: Response): Promise<Answer> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  return { statusCode: response.status, headers, body: await response.text() };
}

/** Writes raw bytes to a fresh connection and reads everything until the server closes it. */
function rawExchange(port: number, bytes: string): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 5_000);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

/** An HTTP/1.1 response as raw text, in the shape the assertions read. */
function parseRawResponse(text: string): Answer {
  const end = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { statusCode: Number(statusLine.split(" ")[1]), headers, body: text.slice(end + 4) };
}

describe("requests the HTTP parser refuses, over a real socket", () => {
  test("issue 9 (parser errors): each is answered problem+json with the security headers, and the connection closed", async () => {
    const t = await startTestApp("sqlite");
    try {
      await t.app.listen({ host: "127.0.0.1", port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      const host = "Host: 127.0.0.1\r\n";
      const attacks: [string, string][] = [
        ["a request line that is not HTTP", "GARBAGE\r\n\r\n"],
        ["an unknown HTTP version", `GET / HTTP/9.9\r\n${host}\r\n`],
        ["a control character in the path", `GET /\u0001 HTTP/1.1\r\n${host}\r\n`],
        ["a header line without a colon", `GET / HTTP/1.1\r\n${host}Bad Header\r\n\r\n`],
        ["a NUL in a header value", `GET /api/account HTTP/1.1\r\n${host}X-Note: a\u0000b\r\n\r\n`],
        ["headers over the size limit", `GET /api/account HTTP/1.1\r\n${host}X-Big: ${"a".repeat(20_000)}\r\n\r\n`],
        [
          "Content-Length and Transfer-Encoding together (request smuggling)",
          `POST /api/auth/login HTTP/1.1\r\n${host}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        ],
        [
          "a chunk size that is not hexadecimal",
          `POST /api/auth/login HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
        ],
      ];
      for (const [label, bytes] of attacks) {
        const { text, closed } = await rawExchange(port, bytes);
        const response = parseRawResponse(text);
        assertProblem(response, 400, "VALIDATION_FAILED", label);
        assertSecurityHeaders(response, label);
        assert.equal(response.headers["content-security-policy"], apiSecurityHeaders["Content-Security-Policy"], label);
        assert.equal(response.headers.connection, "close", label);
        assert.equal(Number(response.headers["content-length"]), Buffer.byteLength(response.body), label);
        assert.ok(closed, `${label}: the server closes the connection`);
      }
      // The server still answers the next, well-formed request.
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      await t.close();
    }
  });
});

for (const engine of engines) {
  describe(`over a real socket (${engine})`, () => {
    test("sign-up sets the session cookie, logout clears it, and the old cookie replayed gets 401", async () => {
      const t = await startTestApp(engine);
      try {
        await t.app.listen({ host: "127.0.0.1", port: 0 });
        const { port } = t.app.server.address() as AddressInfo;
        const base = `http://127.0.0.1:${port}`;
        // What a browser adds to a same-origin fetch; the anti-forgery token comes from the sign-up answer.
        const json = { "content-type": "application/json", "sec-fetch-site": "same-origin" };

        const email = uniqueEmail("socket");
        const signup = await answer(
          await fetch(`${base}/api/auth/signup`, {
            method: "POST",
            headers: json,
            body: JSON.stringify({ email, password: goodPassword }),
          }),
        );
        assert.equal(signup.statusCode, 201, signup.body);
        assertSecurityHeaders(signup, "sign-up");
        const [raw, ...extra] = (signup.headers["set-cookie"] ?? []) as string[];
        assert.equal(extra.length, 0);
        const cookie = parseSetCookie(raw ?? "");
        assert.equal(cookie.name, "gatehouse_session");
        assert.match(cookie.value, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
        assert.equal(cookie.attributes.get("httponly"), "");
        assert.equal(cookie.attributes.get("samesite")?.toLowerCase(), "lax");
        assert.equal(cookie.attributes.get("path"), "/");
        assert.equal(cookie.attributes.has("domain"), false);
        assert.ok(!signup.body.includes(cookie.value.split(".")[1] ?? "unreachable"));

        const { csrfToken } = JSON.parse(signup.body) as { csrfToken: string };
        const sent = { cookie: `${cookie.name}=${cookie.value}` };
        const account = await fetch(`${base}/api/account`, { headers: sent });
        assert.equal(account.status, 200);
        assert.equal(((await account.json()) as { user: { email: string } }).user.email, email);

        const logout = await answer(
          await fetch(`${base}/api/auth/logout`, {
            method: "POST",
            headers: { ...sent, "sec-fetch-site": "same-origin", "x-csrf-token": csrfToken },
          }),
        );
        assert.equal(logout.statusCode, 204);
        const cleared = parseSetCookie(((logout.headers["set-cookie"] ?? []) as string[])[0] ?? "");
        assert.equal(cleared.name, "gatehouse_session");
        assert.equal(cleared.value, "");
        assert.equal(cleared.attributes.get("max-age"), "0");
        assert.equal(logout.headers["clear-site-data"], '"cache", "cookies", "storage"');

        const replay = await answer(await fetch(`${base}/api/account`, { headers: sent }));
        assertProblem(replay, 401, "UNAUTHENTICATED");
        assertSecurityHeaders(replay, "replay");
      } finally {
        await t.close();
      }
    });
  });
}
