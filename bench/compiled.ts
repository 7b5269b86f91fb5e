import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Where bench/run.ts compiles the servers it measures (scripts/build.ts with tsconfig.bench-build.json): the
 * same source as `npm start`'s dist/, plus the bench's own entries, kept out of the production build.
 */
export const compiledRoot = join(root, "bench", "results", "dist");

/** The compiled JavaScript of a server entry: the bench runs servers as `npm start` runs Gatehouse. */
export function compiledEntry(sourceUrl: URL): string {
  const source = relative(root, fileURLToPath(sourceUrl));
  return join(compiledRoot, source.replace(/\.ts$/, ".js"));
}
