import type { BenchClient } from "../http-client.ts";
import type { Measurement, Subject } from "../measurement.ts";
import { waitForQuiet } from "../quiet.ts";
import { type Replay, replayCookies } from "../replay.ts";
import type { SeededUser } from "../seed.ts";
import type { SignedIn } from "../sign-in.ts";
import { figureOf } from "../stats.ts";
import type { SuiteContext } from "../suite-context.ts";
import { targets } from "../targets.ts";

const workload = "W3 deletion";

export interface DeletionTarget {
  readonly sessions: number;
  readonly user: SeededUser;
}

interface DeletionRun {
  readonly sessions: number;
  readonly ms: number;
  readonly status: number;
  readonly sessionsRevoked: number | null;
  readonly before: Replay;
  readonly after: Replay;
}

/** DELETE /api/users/:id as a signed-in superuser; the answer is the deletion receipt. */
export async function deleteUser(client: BenchClient, admin: SignedIn, userId: string) {
  const answer = await client.send("DELETE", `/api/users/${encodeURIComponent(userId)}`, {
    cookie: admin.token,
    csrfToken: admin.csrfToken,
  });
  const receipt = answer.status === 200 ? (JSON.parse(answer.body) as { sessionsRevoked?: unknown }) : null;
  return {
    answer,
    sessionsRevoked: typeof receipt?.sessionsRevoked === "number" ? receipt.sessionsRevoked : null,
  };
}

/**
 * W3: an admin deletes a user holding N sessions. Each of the user's cookies is presented first (all must
 * be accepted, or the "0 afterwards" below would prove nothing), then the deletion is timed from the
 * client, then every cookie is replayed: the number accepted must be 0 in every run.
 */
export async function runDeletionWorkload(
  context: SuiteContext,
  client: BenchClient,
  admin: SignedIn,
  subject: Subject,
  warmup: SeededUser,
  runs: readonly (readonly DeletionTarget[])[],
): Promise<Measurement[]> {
  // Unmeasured: the first deletion compiles the deletion path.
  await deleteUser(client, admin, warmup.id);
  const results: DeletionRun[] = [];
  for (const [index, targetsOfRun] of runs.entries()) {
    for (const { sessions, user } of targetsOfRun) {
      const before = await replayCookies(client, user.tokens);
      await waitForQuiet(context);
      const { answer, sessionsRevoked } = await deleteUser(client, admin, user.id);
      const after = await replayCookies(client, user.tokens);
      context.log(
        `  run ${index + 1}, ${sessions} sessions: ${answer.status} in ${answer.ms.toFixed(1)} ms, accepted before ${before.accepted}, after ${after.accepted}`,
      );
      if (answer.status !== 200) context.warn(`W3 ${subject}: deletion answered ${answer.status}: ${answer.body}`);
      if (before.accepted !== sessions) {
        context.warn(`W3 ${subject}: only ${before.accepted} of ${sessions} cookies were accepted before the deletion`);
      }
      results.push({ sessions, ms: answer.ms, status: answer.status, sessionsRevoked, before, after });
    }
  }
  const sizes = [...new Set(results.map((result) => result.sessions))];
  return sizes.flatMap((sessions): Measurement[] => {
    const ofSize = results.filter((result) => result.sessions === sessions);
    const label = sessions.toLocaleString("en-US");
    return [
      {
        workload,
        subject,
        metric: `delete, user with ${label} sessions`,
        unit: "ms",
        figure: figureOf(ofSize.map((result) => result.ms)),
        throughput: false,
        details: ofSize,
        ...(sessions === 10_000 && { target: targets.deletionOf10kSessionsMs }),
      },
      {
        workload,
        subject,
        metric: `cookies accepted after (of ${label})`,
        unit: "",
        figure: figureOf(ofSize.map((result) => result.after.accepted + result.after.other)),
        throughput: false,
        target: targets.acceptedAfterDeletion,
      },
    ];
  });
}
