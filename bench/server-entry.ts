/**
 * The Gatehouse server under test, in its own process. Its configuration comes from the environment the
 * bench builds, through parseConfig, exactly as in production.
 *
 *   --mode=production   startServer(config): the production composition, background sweeper included.
 *   --mode=login-storm  the same openDeps + buildApp, with the per-IP and per-account password limits
 *                       lifted (W2 sends thousands of logins from one loopback address, which the
 *                       30-per-minute limiter exists to refuse) and without the once-a-minute sweeper.
 *
 * Run by hand for profiling: DATABASE_URL=... PORT=... LOG_LEVEL=silent GATEHOUSE_SECRET=... \
 *   node --import tsx scripts/build.ts --out bench/results/dist --project tsconfig.bench-build.json
 *   node --cpu-prof bench/results/dist/bench/server-entry.js --mode=production
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { buildApp } from "../src/app.ts";
import { parseConfig } from "../src/config.ts";
import { logRedactions, openDeps, startServer } from "../src/server.ts";
import { announceListening, stopOnSignal } from "./ipc.ts";

const { values } = parseArgs({ options: { mode: { type: "string", default: "production" } } });
const mode = values.mode;
if (mode !== "production" && mode !== "login-storm") throw new Error(`unknown --mode ${mode}`);

const config = parseConfig(process.env);

async function startLoginStormServer() {
  const { deps, store } = await openDeps(config);
  const { app } = await buildApp({
    deps,
    publicUrl: config.publicUrl,
    secret: config.secret,
    trustProxy: config.trustProxy,
    logger: { level: config.logLevel, redact: [...logRedactions] },
    limits: { passwordAttemptsPerIpPerMinute: 1e9, failuresPerAccount: 1e9 },
  });
  await app.listen({ port: config.port, host: config.host });
  return {
    app,
    async stop() {
      await app.close();
      await store.close();
    },
  };
}

const server = mode === "production" ? await startServer(config) : await startLoginStormServer();
announceListening((server.app.server.address() as AddressInfo).port);
stopOnSignal(() => server.stop());
