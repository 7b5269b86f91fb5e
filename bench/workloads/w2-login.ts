import type { ChildServer } from "../child-server.ts";
import { sessionCookieName } from "../gatehouse.ts";
import { BenchClient } from "../http-client.ts";
import { type LoadResult, type LoadSpec, type RequestShape, runLoads } from "../load.ts";
import type { Measurement, Subject } from "../measurement.ts";
import { measureQuietly } from "../quiet.ts";
import { benchPassword } from "../seed.ts";
import { signIn } from "../sign-in.ts";
import { figureOf } from "../stats.ts";
import type { SuiteContext } from "../suite-context.ts";
import { targets } from "../targets.ts";
import { describeRun, rotatingSessionChecks } from "./session-checks.ts";

const workload = "W2 login";

/** Password logins over distinct accounts in turn, with the headers a same-origin login form sends. */
function rotatingLogins(origin: string, emails: readonly string[]): () => RequestShape {
  let next = 0;
  return () => {
    const email = emails[next % emails.length] as string;
    next += 1;
    return {
      method: "POST",
      path: "/api/auth/login",
      headers: { "content-type": "application/json", origin, "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ email, password: benchPassword }),
    };
  };
}

/**
 * W2: logins per second with the production argon2id parameters, alone; then the same storm while the
 * W1 session-check load runs, whose p99 says whether hashing stalls everybody else's requests.
 */
export async function runLoginWorkload(
  context: SuiteContext,
  server: ChildServer,
  subject: Subject,
  loginEmails: readonly string[],
  sessionTokens: readonly string[],
): Promise<Measurement[]> {
  const { options } = context;
  const client = new BenchClient(server.url, sessionCookieName);
  try {
    await signIn(client, loginEmails[0] as string, benchPassword);
  } finally {
    client.close();
  }
  const storm = (durationSec: number): LoadSpec => ({
    url: server.url,
    connections: options.sizes.loginConnections,
    durationSec,
    next: rotatingLogins(server.url, loginEmails),
  });
  const checks = (durationSec: number): LoadSpec => ({
    url: server.url,
    connections: options.sizes.connections,
    durationSec,
    next: rotatingSessionChecks(sessionTokens),
  });
  await runLoads([storm(options.warmupSec), checks(options.warmupSec)], server);

  const alone = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const result = await measureQuietly(context, `logins alone run ${run}`, async () => {
      const { results, cpu } = await runLoads([storm(options.durationSec)], server);
      return { logins: definite(results[0]), cpu };
    });
    context.log(`  logins alone run ${run}: ${describeRun({ ...result.logins, cpu: result.cpu })}`);
    if (result.logins.non2xx > 0) context.warn(`W2 ${subject}: ${result.logins.non2xx} logins refused in a run`);
    alone.push(result);
  }
  const together = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const result = await measureQuietly(context, `storm + W1 run ${run}`, async () => {
      const { results, cpu } = await runLoads([storm(options.durationSec), checks(options.durationSec)], server);
      return { logins: definite(results[0]), sessionChecks: definite(results[1]), cpu };
    });
    const { logins, sessionChecks } = result;
    context.log(
      `  storm + W1 run ${run}: logins ${describeRun({ ...logins, cpu: result.cpu })}; W1 ${Math.round(sessionChecks.okPerSec)}/s, p99 ${sessionChecks.latencyMs.p99.toFixed(2)} ms`,
    );
    if (logins.non2xx > 0 || sessionChecks.non2xx > 0) {
      context.warn(
        `W2 ${subject}: ${logins.non2xx} logins and ${sessionChecks.non2xx} session checks refused in a run`,
      );
    }
    together.push(result);
  }

  return [
    {
      workload,
      subject,
      metric: "logins/s (alone)",
      unit: "/s",
      figure: figureOf(alone.map((run) => run.logins.okPerSec)),
      throughput: true,
      target: targets.loginRate,
      details: alone,
    },
    {
      workload,
      subject,
      metric: "login p99 (alone)",
      unit: "ms",
      figure: figureOf(alone.map((run) => run.logins.latencyMs.p99)),
      throughput: false,
    },
    {
      workload,
      subject,
      metric: "session checks/s during storm",
      unit: "req/s",
      figure: figureOf(together.map((run) => run.sessionChecks.okPerSec)),
      throughput: true,
      details: together,
    },
    {
      workload,
      subject,
      metric: "session-check p99 during storm",
      unit: "ms",
      figure: figureOf(together.map((run) => run.sessionChecks.latencyMs.p99)),
      throughput: false,
      target: targets.sessionCheckP99DuringLogins,
    },
    {
      workload,
      subject,
      metric: "logins/s during session checks",
      unit: "/s",
      figure: figureOf(together.map((run) => run.logins.okPerSec)),
      throughput: true,
    },
  ];
}

function definite(result: LoadResult | undefined): LoadResult {
  if (result === undefined) throw new Error("a load result is missing");
  return result;
}
