import { forEachLimited } from "./for-each-limited.ts";
import type { BenchClient } from "./http-client.ts";

export interface Replay {
  /** 200: the session check accepted the cookie. */
  readonly accepted: number;
  /** 401: refused, as a revoked or unknown session must be. */
  readonly refused: number;
  /** Anything else: neither, and a sign the workload itself went wrong. */
  readonly other: number;
}

/** Presents every cookie once to the session check and counts the answers. */
export async function replayCookies(client: BenchClient, tokens: readonly string[], concurrency = 32): Promise<Replay> {
  let accepted = 0;
  let refused = 0;
  let other = 0;
  await forEachLimited(tokens, concurrency, async (token) => {
    const answer = await client.send("GET", "/api/auth/session", { cookie: token });
    if (answer.status === 200) accepted += 1;
    else if (answer.status === 401) refused += 1;
    else other += 1;
  });
  return { accepted, refused, other };
}
