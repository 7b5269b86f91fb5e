import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * @module
 * A real SMTP server on 127.0.0.1 (smtp-server), authentication optional, no STARTTLS: what the app's real
 * nodemailer transport talks to in the tests. Every message it accepts is parsed (mailparser) and kept with
 * its envelope, so a test reads the link from the body and checks who it really went to (RCPT TO).
 */
export interface ReceivedMail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly parsed: ParsedMail;
}

export class SmtpListener {
  readonly received: ReceivedMail[] = [];
  #server: SMTPServer | null = null;
  #port = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  get url(): string {
    return `smtp://tester:secret-password@127.0.0.1:${this.#port}`;
  }

  /** Listens on the port it had before when restarted, so the app's SMTP_URL stays right. */
  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      // stop() closes open connections (the app pools them) at once, not after the default 30 s.
      closeTimeout: 50,
      onAuth: (_auth, _session, callback) => callback(null, { user: "tester" }),
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.received.push({
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              parsed,
            });
            this.#wake();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Closes the listener and every connection to it: the app's sends now fail. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server === null) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The messages to an address (its envelope recipient). */
  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address));
  }

  /** Resolves once `count` messages in all have arrived (no sleeping: woken by each arrival). */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.received.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}

/** The link in a message's text that starts with `prefix` (a URL up to the line's end). */
export function linkIn(mail: ReceivedMail, pathPart: string): string {
  const line = mail.text.split("\n").find((candidate) => candidate.includes(pathPart));
  if (line === undefined) throw new Error(`no ${pathPart} link in the message: ${mail.text}`);
  return line.trim();
}
