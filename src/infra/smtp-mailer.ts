import { createTransport } from "nodemailer";
import type { Mailer, MailMessage } from "../domain/ports.ts";
import type { SmtpTarget } from "./smtp-url.ts";

/**
 * @module
 * The mail transport: one pooled nodemailer SMTP transport (a few connections, reused), with timeouts on
 * connecting, the greeting and every socket read, and one on the whole send, so a slow or silent server ties
 * up a queue slot for a bounded time. smtps: TLS from the first byte; smtp: STARTTLS when offered. The
 * recipient is an address Gatehouse checked (domain/users/email.ts refuses control characters), given to
 * nodemailer as an envelope address, and the text is the message's body only: nothing a caller typed reaches
 * a header line.
 */
export interface SmtpMailerOptions {
  readonly from: string;
  /** Bounds one whole send (connect, greeting, the exchange). */
  readonly sendTimeoutMs: number;
}

export interface SmtpMailer extends Mailer {
  close(): void;
}

export function createSmtpMailer(target: SmtpTarget, options: SmtpMailerOptions): SmtpMailer {
  const timeout = options.sendTimeoutMs;
  const transport = createTransport({
    pool: true,
    maxConnections: 2,
    maxMessages: 100,
    host: target.host,
    port: target.port,
    secure: target.secure,
    ...(target.user === null ? {} : { auth: { user: target.user, pass: target.password ?? "" } }),
    connectionTimeout: Math.min(timeout, 10_000),
    greetingTimeout: Math.min(timeout, 10_000),
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(message: MailMessage): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error("mail send timed out"), { code: "ETIMEDOUT" })),
          timeout,
        );
      });
      try {
        await Promise.race([
          transport.sendMail({
            from: options.from,
            // An address object, not a string nodemailer would split at commas into several recipients.
            to: { name: "", address: message.to },
            subject: message.subject,
            text: message.text,
            headers: { "Auto-Submitted": "auto-generated" },
          }),
          expired,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => transport.close(),
  };
}
