import { issueSessionToken } from "../../src/domain/sessions/session-token.ts";
import { systemRandom } from "../../src/infra/system.ts";
import { startChildServer } from "../child-server.ts";
import { compiledEntry } from "../compiled.ts";
import type { Measurement, Subject } from "../measurement.ts";
import type { SuiteContext } from "../suite-context.ts";
import { measureSessionChecks, sessionCheckMeasurements } from "./session-checks.ts";

const servers: readonly { subject: Subject; entry: string }[] = [
  { subject: "node:http", entry: compiledEntry(new URL("../servers/node-http-server.ts", import.meta.url)) },
  { subject: "fastify", entry: compiledEntry(new URL("../servers/fastify-server.ts", import.meta.url)) },
];

/**
 * The two ceilings every Gatehouse throughput is divided by, measured in this run, on this machine, with
 * this load generator and exactly the W1 request stream (cookies the baselines ignore, but the generator
 * still builds and sends).
 */
export async function measureBaselines(context: SuiteContext): Promise<Measurement[]> {
  const tokens = Array.from(
    { length: context.options.sizes.sessionUsers },
    () => issueSessionToken(systemRandom).token,
  );
  const measurements: Measurement[] = [];
  for (const { subject, entry } of servers) {
    context.log(`baseline ${subject}`);
    const server = await startChildServer(subject, entry);
    try {
      const result = await measureSessionChecks(context, server, tokens);
      measurements.push(...sessionCheckMeasurements("baseline", subject, result, false));
    } finally {
      await server.stop();
    }
  }
  return measurements;
}
