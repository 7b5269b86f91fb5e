import { type ChildProcess, spawn } from "node:child_process";
import { isListeningMessage, isMemoryReply, type MemoryRequest } from "./ipc.ts";
import { type CpuTarget, type Memory, memoryOf } from "./proc.ts";

/** A server under test in its own process: its CPU, memory and event loop are its alone. */
export interface ChildServer extends CpuTarget {
  readonly name: string;
  readonly url: string;
  memory(): Memory | null;
  /** The server's own process.memoryUsage(), asked over IPC; null if it does not answer. */
  heap(): Promise<NodeJS.MemoryUsage | null>;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  readonly args?: readonly string[];
  /** Identifies the server's database processes, whose CPU is the server's work too. */
  readonly databaseMarker?: string | null;
}

const readyTimeoutMs = 60_000;
const stopTimeoutMs = 15_000;

export async function startChildServer(
  name: string,
  entry: string,
  options: ChildServerOptions = {},
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    // The entry is compiled JavaScript (scripts/build.ts): the servers run as `npm start` runs Gatehouse.
    [...(options.nodeFlags ?? []), entry, ...(options.args ?? [])],
    { env: options.env ?? process.env, stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: the server process did not start`);
  const port = await waitUntilListening(name, child);
  return {
    name,
    pid,
    databaseMarker: options.databaseMarker ?? null,
    url: `http://127.0.0.1:${port}`,
    memory: () => memoryOf(pid),
    heap: () => askMemory(child),
    stop: () => stopChild(child),
  };
}

function waitUntilListening(name: string, child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name}: not listening after ${readyTimeoutMs / 1000} s`));
    }, readyTimeoutMs);
    child.on("message", (message) => {
      if (!isListeningMessage(message)) return;
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited before listening (code ${code}, signal ${signal})`));
    });
  });
}

function askMemory(child: ChildProcess): Promise<NodeJS.MemoryUsage | null> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isMemoryReply(message)) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message.usage);
    };
    const timer = setTimeout(() => {
      child.off("message", onMessage);
      resolve(null);
    }, 5_000);
    child.on("message", onMessage);
    child.send({ type: "memory" } satisfies MemoryRequest);
  });
}

/** SIGTERM to the child's own pid, then SIGKILL if it has not exited in time. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
