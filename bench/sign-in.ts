import type { BenchClient } from "./http-client.ts";

export interface SignedIn {
  readonly token: string;
  readonly csrfToken: string;
}

/** A real password login over HTTP, as an admin at the browser would: its session is freshly authenticated. */
export async function signIn(client: BenchClient, email: string, password: string): Promise<SignedIn> {
  const answer = await client.send("POST", "/api/auth/login", { json: { email, password } });
  if (answer.status !== 200) throw new Error(`sign-in as ${email} failed: ${answer.status} ${answer.body}`);
  const prefix = `${client.cookieName}=`;
  const cookie = answer.setCookie.find((line) => line.startsWith(prefix));
  if (cookie === undefined) throw new Error(`sign-in as ${email}: no ${client.cookieName} cookie in the answer`);
  const token = cookie.slice(prefix.length).split(";")[0] ?? "";
  const { csrfToken } = JSON.parse(answer.body) as { csrfToken?: unknown };
  if (typeof csrfToken !== "string") throw new Error(`sign-in as ${email}: no csrfToken in the answer`);
  return { token, csrfToken };
}
