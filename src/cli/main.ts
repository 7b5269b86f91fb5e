import { loadDotEnv } from "../config.ts";
import { processIo } from "./cli-io.ts";
import { runCli } from "./run-cli.ts";

/**
 * `gatehouse`: the process around runCli (run-cli.ts). It loads .env into the environment, hands over the
 * real streams, and sets the exit code; `serve` keeps the process alive through its listening server.
 */
// A reader that stops early (`gatehouse audit export | head`) closes the pipe: that ends the command quietly,
// not with an unhandled EPIPE and its stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

try {
  loadDotEnv();
  process.exitCode = await runCli(process.argv.slice(2), processIo());
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
