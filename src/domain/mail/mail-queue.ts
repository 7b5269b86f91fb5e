import type { Mailer, MailKind, MailMessage } from "../ports.ts";

/**
 * @module
 * E-mail leaves after the HTTP answer and independently of it: a request only enqueues a job (a synchronous
 * step, the same for every request), and the job runs on a later turn of the event loop: it looks things up,
 * writes what it must (a recovery link, a pending sign-up) and builds its message, then the message is sent.
 * So neither the answer nor its timing depends on whether an account exists, on the database work that only
 * some requests cause, or on the SMTP server. Bounded: at most `capacity` jobs wait (past it a job is dropped
 * and reported), at most `concurrency` run. A failure is reported with the message kind and an error code,
 * never the message (which may hold a link) nor the recipient.
 */
export interface MailQueueOptions {
  readonly capacity: number;
  readonly concurrency: number;
}

export interface MailFailure {
  readonly kind: MailKind;
  /** `queue_full`, or the transport's error code (`ECONNREFUSED`, `ETIMEDOUT`, `EENVELOPE`, ...). */
  readonly reason: string;
}

export const defaultMailQueue: MailQueueOptions = { capacity: 200, concurrency: 2 };

/** Builds the message when it runs; null: nothing to send (no account, an inactive one, past a limit). */
export type MailJob = () => Promise<MailMessage | null>;

export class MailQueue {
  readonly #mailer: Mailer & { close?: () => void };
  readonly #options: MailQueueOptions;
  readonly #waiting: { kind: MailKind; job: MailJob }[] = [];
  #running = 0;
  #idle: (() => void)[] = [];
  #report: (failure: MailFailure) => void;

  constructor(mailer: Mailer & { close?: () => void }, options: MailQueueOptions = defaultMailQueue) {
    this.#mailer = mailer;
    this.#options = options;
    this.#report = (failure) => process.stderr.write(`${JSON.stringify({ msg: "mail not sent", ...failure })}\n`);
  }

  /** Where failures go (the server's log); until set, one JSON line on stderr. */
  reportTo(report: (failure: MailFailure) => void): void {
    this.#report = report;
  }

  /** Takes the job for later; false (and reported) when the queue is full. Never waits, never throws. */
  enqueue(kind: MailKind, job: MailJob): boolean {
    if (this.#waiting.length >= this.#options.capacity) {
      this.#report({ kind, reason: "queue_full" });
      return false;
    }
    this.#waiting.push({ kind, job });
    // A later turn: the request that enqueued answers first.
    setImmediate(() => this.#pump());
    return true;
  }

  /** Resolves once nothing waits or runs (tests; a stopping server). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Lets what is queued finish, then closes the transport's connections. */
  async close(): Promise<void> {
    await this.idle();
    this.#mailer.close?.();
  }

  #pump(): void {
    while (this.#running < this.#options.concurrency) {
      const next = this.#waiting.shift();
      if (next === undefined) break;
      this.#running += 1;
      void this.#run(next.kind, next.job).finally(() => {
        this.#running -= 1;
        this.#pump();
        if (this.#running === 0 && this.#waiting.length === 0) {
          const waiters = this.#idle;
          this.#idle = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  }

  async #run(kind: MailKind, job: MailJob): Promise<void> {
    let message: MailMessage | null = null;
    try {
      message = await job();
      if (message !== null) await this.#mailer.send(message);
    } catch (error) {
      this.#report({ kind: message?.kind ?? kind, reason: reasonOf(error) });
    }
  }
}

/** An error's code only: a transport's message may quote the envelope (an address) or the server's reply. */
function reasonOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return /^[A-Za-z0-9_]{1,40}$/.test(error.code) ? error.code : "error";
  }
  return error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : "error";
}
