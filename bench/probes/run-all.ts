/**
 * Runs every probe, one after another, each in its own process (they seed their own stores and time
 * single costs: sharing a process would let one's heap and caches colour the next one's figures).
 * Usage: npm run bench:probes
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const probes = readdirSync(here).filter((name) => name.endsWith(".ts") && name !== "run-all.ts");
let failed = 0;
for (const probe of probes.sort()) {
  console.log(`\n== ${probe}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", `${here}${probe}`], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
