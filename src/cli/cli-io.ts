import { createInterface } from "node:readline";
import { Writable } from "node:stream";

/**
 * @module
 * What a command may touch of the world it runs in: its streams, its environment, whether a person is at a
 * terminal, and a way to ask them something. `runCli` gets one of these, so the whole command line runs
 * in-process (tests) exactly as it runs in a process of its own (main.ts, `processIo`).
 */
export interface CliWriter {
  /** False: the stream's buffer is full; a long answer (an export) waits for "drain". */
  write(text: string): boolean;
  once?(event: "drain", listener: () => void): unknown;
}

export interface CliIo {
  /** Standard input, read whole by --password-stdin. */
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly stdout: CliWriter;
  /** Refusals, and what is asked on a terminal (so stdout stays the answer, as --json promises). */
  readonly stderr: CliWriter;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A person at a terminal can be asked (confirmations, passwords); without one, nothing is asked. */
  readonly isTTY: boolean;
  /** Asks on the terminal and answers the line typed; `hidden` echoes nothing (passwords). */
  ask(question: string, options?: { readonly hidden?: boolean }): Promise<string>;
}

/** The whole of standard input, without its final line break (for --password-stdin). */
export async function readAll(stdin: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** The process's own streams and environment: what `gatehouse` has when an operator runs it. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: process.stdin.isTTY === true,
    ask: (question, options) => askOnTerminal(question, options?.hidden === true),
  };
}

/** Asks on the process's terminal (the question on stderr); a hidden answer is not echoed. */
async function askOnTerminal(question: string, hidden: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        if (hidden) process.stderr.write("\n");
        resolve(answer);
      });
      muted = hidden;
    });
  } finally {
    rl.close();
  }
}
