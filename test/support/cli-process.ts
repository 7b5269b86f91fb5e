import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { configVariables } from "../../src/config.ts";

/** The operator CLI as an operator runs it: `node bin/gatehouse.js ...` in a child process. */
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI with exactly the given configuration variables: none of this process's own (nor the test
 * runner's context) leak into the child.
 */
export function runGatehouse(
  variables: Readonly<Record<string, string>>,
  args: readonly string[],
  input = "",
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [...configVariables, "NODE_TEST_CONTEXT"]) delete env[name];
  Object.assign(env, variables);
  return new Promise<CliRun>((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/gatehouse.js", ...args], { cwd: repoRoot, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
