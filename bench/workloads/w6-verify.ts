import { proxyAvailable, type RunningProxy, startProxy } from "../../test/proxy/support/proxies.ts";
import { type ChildServer, startChildServer } from "../child-server.ts";
import { compiledEntry } from "../compiled.ts";
import { sessionCookieName } from "../gatehouse.ts";
import { BenchClient } from "../http-client.ts";
import { type LoadResult, runLoad } from "../load.ts";
import type { Measurement, Subject } from "../measurement.ts";
import type { CpuShare } from "../proc.ts";
import { waitForQuiet } from "../quiet.ts";
import type { SeededUser } from "../seed.ts";
import type { SignedIn } from "../sign-in.ts";
import { type Figure, figureOf } from "../stats.ts";
import type { SuiteContext } from "../suite-context.ts";
import { targets } from "../targets.ts";
import { deleteUser } from "./w3-deletion.ts";

/**
 * W6, the forward-auth verify endpoint (issue 12):
 *  - direct: GET /api/authz/verify with the W1 cookie stream, against W1's own rate and the bare node:http
 *    baseline of this run;
 *  - through nginx (docs/proxy/nginx.conf.template, one worker per core): nginx with auth_request asking
 *    Gatehouse in front of a bare node:http app, over the same nginx proxying that app without
 *    auth_request; next to the same ratio with a bare node:http verify server in Gatehouse's place;
 *  - a deletion mid-run: halfway through each Gatehouse run a user holding several sessions is deleted,
 *    and from the moment the deletion returns that user's cookies are replayed through nginx until the
 *    run ends: every one allowed is counted (target 0).
 */
const workload = "W6 verify";
const appEntry = compiledEntry(new URL("../servers/node-http-server.ts", import.meta.url));
const bareVerifyEntry = compiledEntry(new URL("../servers/node-http-verify-server.ts", import.meta.url));

/** nginx proxying the app alone: the same listen and proxy_pass as the documented server block, no auth_request. */
const plainSite = `server {
    listen {{LISTEN}};
    server_name {{SERVER_NAME}};
    location / {
        proxy_pass http://{{APP}};
    }
}
`;

export interface VerifyWorkloadInput {
  readonly gatehouse: ChildServer;
  readonly tokens: readonly string[];
  readonly admin: SignedIn;
  /** One per measured run through nginx: deleted halfway through it. */
  readonly victims: readonly SeededUser[];
  /** The port of the nginx that asks Gatehouse: the server was started with ALLOWED_HOSTS naming it. */
  readonly proxyPort: number;
  /** W1's session-check rate on this engine in this run, when W1 ran. */
  readonly w1Rate: Figure | null;
}

type Run = LoadResult & { readonly cpu: CpuShare };

/**
 * W1's rotating cookies, with a Host header: autocannon's per-request setup otherwise sends
 * "Host: undefined:undefined", which nginx passes on in X-Original-URL and Gatehouse rightly refuses (400,
 * which auth_request turns into a 500). W1 and the baselines ignore Host, so they never showed it.
 */
function rotating(tokens: readonly string[], path: string, url: string) {
  const host = new URL(url).host;
  let next = 0;
  return () => {
    const token = tokens[next % tokens.length] as string;
    next += 1;
    return { method: "GET" as const, path, headers: { host, cookie: `${sessionCookieName}=${token}` } };
  };
}

async function measure(
  context: SuiteContext,
  label: string,
  url: string,
  cpuOf: ChildServer,
  tokens: readonly string[],
  path: string,
  during?: (run: number) => Promise<void>,
): Promise<Run[]> {
  const { options } = context;
  const spec = (durationSec: number) => ({
    url,
    connections: options.sizes.connections,
    durationSec,
    next: rotating(tokens, path, url),
  });
  await runLoad(spec(options.warmupSec), cpuOf);
  const runs: Run[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    await waitForQuiet(context);
    const [result] = await Promise.all([runLoad(spec(options.durationSec), cpuOf), during?.(run)]);
    context.log(
      `  ${label} run ${run + 1}: ${Math.round(result.okPerSec)}/s, p99 ${result.latencyMs.p99.toFixed(2)} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
    );
    if (result.non2xx > 0 || result.errors > 0) {
      context.warn(`${label}: ${result.non2xx} non-2xx answers and ${result.errors} errors in a W6 run`);
    }
    runs.push(result);
  }
  return runs;
}

function rows(subject: Subject, name: string, runs: readonly Run[]): Measurement[] {
  return [
    {
      workload,
      subject,
      metric: `${name} req/s`,
      unit: "req/s",
      figure: figureOf(runs.map((run) => run.okPerSec)),
      throughput: true,
      details: { runs },
    },
    {
      workload,
      subject,
      metric: `${name} p99`,
      unit: "ms",
      figure: figureOf(runs.map((run) => run.latencyMs.p99)),
      throughput: false,
    },
  ];
}

/** Medians of matched runs divided: run i of `a` over run i of `b`. */
function ratios(a: readonly Run[], b: readonly Run[]): number[] {
  return a.map((run, index) => run.okPerSec / Math.max(1, b[index]?.okPerSec ?? Number.NaN));
}

export async function runVerifyWorkload(
  context: SuiteContext,
  engine: Subject,
  input: VerifyWorkloadInput,
): Promise<Measurement[]> {
  const { gatehouse, tokens } = input;
  const measurements: Measurement[] = [];
  context.log(`${engine}: W6 direct`);
  const direct = await measure(context, "verify direct", gatehouse.url, gatehouse, tokens, "/api/authz/verify");
  measurements.push(...rows(engine, "verify direct", direct));
  if (input.w1Rate !== null) {
    const rate = figureOf(direct.map((run) => run.okPerSec));
    measurements.push({
      workload,
      subject: engine,
      metric: "verify direct / W1 session checks",
      unit: "ratio",
      figure: figureOf([rate.median / input.w1Rate.median]),
      throughput: false,
      target: targets.verifyVsSessionCheck,
    });
  }
  if (!proxyAvailable("nginx")) {
    context.warn("nginx is not installed: W6's proxied runs are skipped");
    return measurements;
  }

  const app = await startChildServer("app (node:http)", appEntry);
  const bare = await startChildServer("bare verify (node:http)", bareVerifyEntry);
  const address = (server: ChildServer) => new URL(server.url).host;
  const proxies: RunningProxy[] = [];
  const nginx = async (gatehouseAt: string, site?: string, port?: number) => {
    const started = await startProxy(
      "nginx",
      { gatehouse: gatehouseAt, app: address(app) },
      { workers: "auto", ...(site === undefined ? {} : { site }), ...(port === undefined ? {} : { port }) },
    );
    proxies.push(started);
    return started;
  };
  try {
    const plain = await nginx(address(gatehouse), plainSite);
    context.log(`${engine}: W6 nginx alone`);
    const alone = await measure(context, "nginx alone", plain.origin, gatehouse, tokens, "/notes");
    const withBare = await nginx(address(bare));
    context.log(`${engine}: W6 nginx + bare verify`);
    const bareRuns = await measure(context, "nginx + bare verify", withBare.origin, bare, tokens, "/notes");
    const withGatehouse = await nginx(address(gatehouse), undefined, input.proxyPort);
    context.log(`${engine}: W6 nginx + Gatehouse`);
    const allowedAfter: number[] = [];
    const refusedAfter: number[] = [];
    const gatehouseRuns = await measure(
      context,
      "nginx + Gatehouse",
      withGatehouse.origin,
      gatehouse,
      tokens,
      "/notes",
      async (run) => {
        const counts = await deleteMidRun(context, gatehouse, withGatehouse, input.admin, input.victims[run]);
        allowedAfter.push(counts.allowed);
        refusedAfter.push(counts.refused);
      },
    );
    measurements.push(...rows("node:http", "nginx alone", alone));
    measurements.push(...rows("node:http", "nginx + bare verify", bareRuns));
    measurements.push(...rows(engine, "nginx + Gatehouse", gatehouseRuns));
    const bareRatios = ratios(bareRuns, alone);
    const gatehouseRatios = ratios(gatehouseRuns, alone);
    measurements.push(
      {
        workload,
        subject: "node:http",
        metric: "nginx + bare verify / nginx alone",
        unit: "ratio",
        figure: figureOf(bareRatios),
        throughput: false,
      },
      {
        workload,
        subject: engine,
        metric: "nginx + Gatehouse / nginx alone",
        unit: "ratio",
        figure: figureOf(gatehouseRatios),
        throughput: false,
      },
      {
        workload,
        subject: engine,
        metric: "Gatehouse's ratio / the bare verify server's",
        unit: "ratio",
        figure: figureOf(gatehouseRatios.map((ratio, index) => ratio / (bareRatios[index] ?? Number.NaN))),
        throughput: false,
        target: targets.verifyProxiedVsBare,
      },
      {
        workload,
        subject: engine,
        metric: "deleted user's cookies allowed through nginx after the deletion returned",
        unit: "count",
        figure: figureOf(allowedAfter),
        throughput: false,
        target: targets.acceptedAfterDeletion,
        details: { allowedAfter, refusedAfter },
      },
      {
        workload,
        subject: engine,
        metric: "deleted user's cookies refused through nginx after the deletion returned",
        unit: "count",
        figure: figureOf(refusedAfter),
        throughput: false,
        informational: true,
      },
    );
  } finally {
    for (const proxy of proxies.reverse()) await proxy.stop();
    await bare.stop();
    await app.stop();
  }
  return measurements;
}

/**
 * Halfway through a run: the victim's cookies must get through nginx first (or "none allowed after"
 * would prove nothing), then the deletion is sent to Gatehouse directly, and from its answer until the
 * run ends every cookie of the victim is replayed through nginx, over and over.
 */
async function deleteMidRun(
  context: SuiteContext,
  gatehouse: ChildServer,
  proxy: RunningProxy,
  admin: SignedIn,
  victim: SeededUser | undefined,
): Promise<{ allowed: number; refused: number }> {
  if (victim === undefined) throw new Error("W6: no victim seeded for this run");
  const durationMs = context.options.durationSec * 1000;
  const endsAt = Date.now() + durationMs;
  await new Promise((resolve) => setTimeout(resolve, durationMs / 2));
  const direct = new BenchClient(gatehouse.url, sessionCookieName);
  const proxied = new BenchClient(proxy.origin, sessionCookieName, 4);
  try {
    for (const token of victim.tokens) {
      const answer = await proxied.send("GET", "/notes", { cookie: token });
      if (answer.status !== 200) throw new Error(`W6: the victim's cookie got ${answer.status} before the deletion`);
    }
    const deleted = await deleteUser(direct, admin, victim.id);
    if (deleted.answer.status !== 200) {
      throw new Error(`W6: the deletion failed: ${deleted.answer.status} ${deleted.answer.body}`);
    }
    let allowed = 0;
    let refused = 0;
    do {
      for (const token of victim.tokens) {
        const answer = await proxied.send("GET", "/notes", { cookie: token });
        if (answer.status === 200) allowed += 1;
        else if (answer.status === 401) refused += 1;
      }
    } while (Date.now() < endsAt);
    context.log(`  deletion mid-run: ${allowed} allowed, ${refused} refused after the deletion returned`);
    return { allowed, refused };
  } finally {
    direct.close();
    proxied.close();
  }
}
