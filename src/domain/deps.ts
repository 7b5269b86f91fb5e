import type { AuditSealer } from "./audit/audit-chain.ts";
import type { AuditPseudonymizer } from "./audit/audit-pseudonym.ts";
import type { DenialBudget } from "./audit/denial-budget.ts";
import type { MailQueue } from "./mail/mail-queue.ts";
import type { Clock, PasswordHasher, Random, Store, WebhookSender } from "./ports.ts";
import type { SessionLifetimes } from "./sessions/session-record.ts";

/** What every use case gets from the composition root. */
export interface Deps {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: PasswordHasher;
  readonly lifetimes: SessionLifetimes;
  readonly signupOpen: boolean;
  /** 0: deletion erases at once. Otherwise the account is disabled at once and erased after this long. */
  readonly deletionGraceMs: number;
  /** How long the events feed keeps an event. */
  readonly eventRetentionMs: number;
  /** WEBHOOK_ALLOW_HTTP: endpoints may be plain http (local development); otherwise https only. */
  readonly webhookAllowHttp: boolean;
  /** Sends a webhook POST under the SSRF rules (the worker's sender; a test event goes through it too). */
  readonly webhookSender: WebhookSender;
  /** The audit chain's keyed hash, for verification (the store seals with the same one). */
  readonly auditSealer: AuditSealer;
  /** How many refusals are audited one by one, per account and address (recordDenial). */
  readonly denials: DenialBudget;
  /** Stands in for an id from a request that names no user: probes correlate, their text is not kept. */
  readonly auditPseudonym: AuditPseudonymizer;
  /**
   * E-mail (SMTP_URL): jobs that build and send a message after the answer (domain/mail/mail-queue.ts);
   * null when no mail server is configured, and then nothing offers or needs e-mail.
   */
  readonly mailer: MailQueue | null;
  /** PUBLIC_URL: the links an e-mail holds point at it. */
  readonly publicUrl: URL;
}
