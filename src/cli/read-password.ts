import { createInterface } from "node:readline";
import { Writable } from "node:stream";

/** The whole of standard input, without its final line break (for --password-stdin). */
export async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks on the terminal without echoing what is typed. */
export async function promptPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new Error("No terminal to ask for the password on: pass it with --password-stdin.");
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        process.stdout.write("\n");
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}
