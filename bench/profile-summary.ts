/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): where the server's time went, by function (self and
 * total time) and by package. Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

const [path, topArgument] = process.argv.slice(2);
if (path === undefined) {
  console.error("usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArgument ?? 25);
const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** Where a frame comes from: a package, Gatehouse's own code, node's internals, or V8's pseudo-frames. */
function packageOf(url: string): string {
  if (url === "") return "(v8/native)";
  const nodeModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModules !== null) return nodeModules[1] as string;
  if (url.startsWith("node:")) return "node internals";
  const own = /\/(src|bench)\//.exec(url);
  return own === null ? url : `gatehouse ${own[1]}/`;
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\/.*?\/(node_modules\/|src\/|bench\/)/, "$1");
  return `${functionName || "(anonymous)"} ${file}${url === "" ? "" : `:${lineNumber + 1}`}`;
}

const self = new Map<string, number>();
const total = new Map<string, number>();
const packages = new Map<string, number>();
const ownFrames = new Set<string>();
let all = 0;
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
for (let i = 0; i < samples.length; i += 1) {
  const node = byId.get(samples[i] as number);
  const us = Math.max(0, deltas[i] ?? 0);
  if (node === undefined) continue;
  all += us;
  const key = frameKey(node);
  self.set(key, (self.get(key) ?? 0) + us);
  const pkg = node.callFrame.functionName.startsWith("(") ? node.callFrame.functionName : packageOf(node.callFrame.url);
  packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  // Total (inclusive) time: each distinct frame on the sampled stack, once.
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
    const frame = byId.get(id);
    if (frame === undefined) break;
    const frameName = frameKey(frame);
    if (seen.has(frameName)) continue;
    seen.add(frameName);
    if (packageOf(frame.callFrame.url) === "gatehouse src/") ownFrames.add(frameName);
    total.set(frameName, (total.get(frameName) ?? 0) + us);
  }
}

const print = (title: string, entries: Map<string, number>, count: number) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${((us / all) * 100).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
};

console.log(`${path}: ${(all / 1e6).toFixed(1)} s sampled`);
print("Self time by package", packages, 20);
print(`Self time by function (top ${top})`, self, top);
const ownTotals = new Map([...total].filter(([name]) => ownFrames.has(name)));
print("Total (inclusive) time of Gatehouse's own functions", ownTotals, 20);
