import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { engines } from "../support/databases.ts";
import { goodPassword, uniqueEmail } from "../support/fixtures.ts";
import { type Answer, assertProblem, assertSecurityHeaders, parseSetCookie } from "../support/http-assertions.ts";
import { startTestApp } from "../support/test-app.ts";

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
