import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../support/ports.ts";

/**
 * @module
 * Real nginx and Caddy on loopback ports, each with the documented configuration (docs/proxy/*.template)
 * rendered for this run, in a folder of its own: no system path is written, no service is started, and
 * each process is stopped by its own pid. Without a binary its suites are skipped loudly; under CI=true a
 * missing one is a failure.
 */
export type ProxyKind = "nginx" | "caddy";

const binaries: Record<ProxyKind, string> = {
  nginx: process.env.GATEHOUSE_NGINX ?? "/usr/sbin/nginx",
  caddy: process.env.GATEHOUSE_CADDY ?? "/usr/bin/caddy",
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function proxyAvailable(kind: ProxyKind): boolean {
  return isExecutable(binaries[kind]);
}

/** `false` when the proxy's suites can run, else the reason they are skipped (pass it to `describe`). */
export function proxySkipReason(kind: ProxyKind): string | false {
  if (proxyAvailable(kind)) return false;
  if (process.env.CI === "true") {
    throw new Error(`CI=true but ${kind} is not at ${binaries[kind]}: the proxy suites must not be skipped in CI.`);
  }
  const reason = `${kind} not found at ${binaries[kind]} (apt-get install ${kind}): its proxy tests SKIPPED`;
  console.warn(`\n*** ${reason} ***\n`);
  return reason;
}

const docs = new URL("../../../docs/proxy/", import.meta.url);

/** A documented template with its {{PLACEHOLDERS}} replaced; one left unreplaced is an error. */
export function renderTemplate(name: string, values: Readonly<Record<string, string>>): string {
  const text = readFileSync(new URL(name, docs), "utf8");
  const rendered = text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, key: string) => values[key] ?? whole);
  const left = /\{\{[A-Z_]+\}\}/.exec(rendered);
  if (left !== null) throw new Error(`${name}: no value for ${left[0]}`);
  return rendered;
}

export interface ProxyTargets {
  /** host:port of Gatehouse. */
  readonly gatehouse: string;
  /** host:port of the app. */
  readonly app: string;
}

export interface RunningProxy {
  readonly kind: ProxyKind;
  readonly port: number;
  readonly origin: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** A port chosen beforehand (Gatehouse's ALLOWED_HOSTS must name the proxy's host and port). */
  readonly port?: number;
  /** nginx's worker_processes: 1 for the tests, "auto" (one per core) for the bench. */
  readonly workers?: number | "auto";
  /** nginx only: a server block of the bench's own (placeholders as in the template) instead of the documented one. */
  readonly site?: string;
}

export async function startProxy(
  kind: ProxyKind,
  targets: ProxyTargets,
  options: ProxyOptions = {},
): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-${kind}-`));
  const port = options.port ?? (await freePort());
  const spawned = kind === "nginx" ? nginxIn(dir, port, targets, options) : caddyIn(dir, port, targets);
  const logs: string[] = [];
  spawned.child.stdout?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
  spawned.child.stderr?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => spawned.child.once("exit", resolve));
  try {
    await untilListening(port, exited, () => `${logs.join("")}${spawned.errorLog()}`);
  } catch (error) {
    spawned.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = spawned.child.pid ?? 0;
  return {
    kind,
    port,
    origin: `http://127.0.0.1:${port}`,
    pid,
    async stop() {
      if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
        process.kill(pid, "SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Spawned {
  readonly child: ChildProcess;
  errorLog(): string;
}

/**
 * nginx with its own prefix: pid file, error log and temp folders in `dir`, in the foreground (`daemon
 * off`), one worker, as the current user (`user root` when that is root: nginx would otherwise switch to
 * nobody). The documented server block is included as it is rendered.
 */
function nginxIn(dir: string, port: number, targets: ProxyTargets, options: ProxyOptions): Spawned {
  const values = {
    LISTEN: `127.0.0.1:${port}`,
    SERVER_NAME: "127.0.0.1",
    GATEHOUSE: targets.gatehouse,
    APP: targets.app,
    SNIPPETS: dir,
  };
  const site =
    options.site === undefined
      ? renderTemplate("nginx.conf.template", values)
      : options.site.replace(/\{\{([A-Z_]+)\}\}/g, (whole, key: string) => values[key as keyof typeof values] ?? whole);
  writeFileSync(join(dir, "site.conf"), site);
  writeFileSync(join(dir, "gatehouse-verify.conf"), renderTemplate("gatehouse-verify.conf.template", values));
  writeFileSync(join(dir, "gatehouse-answer.conf"), renderTemplate("gatehouse-answer.conf.template", values));
  for (const temp of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, temp));
  const errorLog = join(dir, "error.log");
  const main = [
    "daemon off;",
    `worker_processes ${options.workers ?? 1};`,
    process.getuid?.() === 0 ? "user root;" : "",
    `pid ${join(dir, "nginx.pid")};`,
    `error_log ${errorLog} warn;`,
    "events { worker_connections 1024; }",
    "http {",
    "  access_log off;",
    `  client_body_temp_path ${join(dir, "client_body")};`,
    `  proxy_temp_path ${join(dir, "proxy")};`,
    `  fastcgi_temp_path ${join(dir, "fastcgi")};`,
    `  uwsgi_temp_path ${join(dir, "uwsgi")};`,
    `  scgi_temp_path ${join(dir, "scgi")};`,
    `  include ${join(dir, "site.conf")};`,
    "}",
  ].join("\n");
  writeFileSync(join(dir, "nginx.conf"), main);
  const child = spawn(binaries.nginx, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", errorLog], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { child, errorLog: () => readIfThere(errorLog) };
}

/**
 * Caddy with the admin endpoint off, no automatic HTTPS, and its home, data and config folders (where it
 * would autosave; `persist_config off` is newer than Debian 12's Caddy 2.6)
 * in `dir`. The documented site block follows the global options.
 */
function caddyIn(dir: string, port: number, targets: ProxyTargets): Spawned {
  const site = renderTemplate("Caddyfile.template", {
    SITE: `http://127.0.0.1:${port}`,
    GATEHOUSE: targets.gatehouse,
    APP: targets.app,
  });
  const global = ["{", "\tadmin off", "\tauto_https off", "\tdefault_bind 127.0.0.1", "}", ""];
  const config = join(dir, "Caddyfile");
  writeFileSync(config, `${global.join("\n")}${site}`);
  const child = spawn(binaries.caddy, ["run", "--config", config, "--adapter", "caddyfile"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
    },
  });
  return { child, errorLog: () => "" };
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function untilListening(port: number, exited: Promise<number | null>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the proxy exited before listening:\n${output()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the proxy was not listening on ${port} after 15 s:\n${output()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
