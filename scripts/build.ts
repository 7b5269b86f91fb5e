/**
 * Compiles the server to plain JavaScript in dist/ (or the directory given with --out): `npm start` runs it
 * with node alone, without tsx's loader thread or a TypeScript compile at each start. dist/ holds the
 * server only; the bench compiles its own server entries with the same code into bench/results/dist
 * (tsconfig.bench-build.json), so it measures what production runs without shipping bench code. Stale
 * output is removed first; the pages' stylesheet and icon are copied next to the code that reads them.
 * Usage: node --import tsx scripts/build.ts [--out DIR] [--project tsconfig.bench-build.json]
 */
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));

export function build(outDir = join(root, "dist"), project = "tsconfig.build.json"): string {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(root, project), "--outDir", out], {
    cwd: root,
    stdio: "inherit",
  });
  cpSync(join(root, "src/web/assets"), join(out, "src/web/assets"), { recursive: true });
  return out;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" }, project: { type: "string" } } });
  console.log(`built ${build(values.out, values.project)}`);
}
