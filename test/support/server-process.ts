import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * @module
 * `gatehouse serve` in a child process, as an operator runs it (`node bin/gatehouse.js serve`): for the
 * suites that kill a real server (SIGKILL, no shutdown hook runs) and start another on the same database.
 * The child gets exactly the given configuration variables; it listens on a free port (PORT=0), which it
 * names in its "Server listening at" log line.
 */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** How long a start may take on a loaded machine before the suite gives up (a bound, not a measurement). */
const startBoundMs = 60_000;

/** A signal to our own child; one that has just died (reaped, its exit not yet reported) is no error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #output = "";

  private constructor(
    child: ChildProcess,
    readonly url: string,
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
    output: string,
  ) {
    this.#child = child;
    this.#exited = exited;
    this.#output = output;
    child.stdout?.on("data", (chunk: Buffer) => this.#keep(chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.#keep(chunk));
  }

  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error("the server process has no pid");
    return pid;
  }

  /** What the process printed (its last 20 kB): for assertion messages. */
  get output(): string {
    return this.#output;
  }

  /** Starts `gatehouse serve` with exactly these variables (PORT, HOST and LOG_LEVEL are set here). */
  static start(variables: Readonly<Record<string, string>>): Promise<ServerProcess> {
    // Nothing of this process's environment but PATH: no configuration variable of the developer's leaks in.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "",
      ...variables,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
    };
    const child = spawn(process.execPath, ["bin/gatehouse.js", "serve"], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    return new Promise<ServerProcess>((resolve, reject) => {
      let output = "";
      const give = (why: string) => {
        cleanup();
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        reject(new Error(`${why}\n${output}`));
      };
      const timer = setTimeout(() => give(`gatehouse serve did not listen within ${startBoundMs} ms`), startBoundMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString("utf8");
        // pino's JSON line: {"level":30,...,"msg":"Server listening at http://127.0.0.1:41235"}
        const listening = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
        if (listening?.[1] === undefined) return;
        cleanup();
        resolve(new ServerProcess(child, listening[1], exited, output));
      };
      const onExit = (code: number | null) => give(`gatehouse serve exited (${code}) before listening`);
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.stderr.off("data", onData);
        child.off("exit", onExit);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", onExit);
    });
  }

  /** SIGKILL at once (no shutdown hook, no last write), then waits until the process is gone. */
  async kill(): Promise<void> {
    this.killNow();
    await this.#exited;
  }

  /** Sends SIGKILL synchronously: for a kill that must land inside a callback, before anything else runs. */
  killNow(): void {
    if (this.#gone()) return;
    signal(this.pid, "SIGKILL");
  }

  /** SIGTERM (the server's orderly stop); SIGKILL if it has not exited after 10 s. */
  async stop(): Promise<void> {
    if (this.#gone()) return;
    signal(this.pid, "SIGTERM");
    const timer = setTimeout(() => this.killNow(), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** How the process ended. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.#exited;
  }

  #gone(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  #keep(chunk: Buffer): void {
    this.#output = (this.#output + chunk.toString("utf8")).slice(-20_000);
  }
}
