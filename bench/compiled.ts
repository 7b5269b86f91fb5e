import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Where the compiled JavaScript of a server entry is (scripts/build.ts, run by bench/run.ts before any
 * server starts): the bench runs servers as `npm start` runs Gatehouse, with node alone.
 */
export function compiledEntry(sourceUrl: URL): string {
  const source = relative(root, fileURLToPath(sourceUrl));
  return join(root, "dist", source.replace(/\.ts$/, ".js"));
}
