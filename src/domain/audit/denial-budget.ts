import type { Clock } from "../ports.ts";

/**
 * @module
 * How many refusals a minute are audited one by one, per account and per client address. Generous for a
 * person (a plain user clicking into the admin pages, an admin testing a rule), far below what a script
 * can send: without it one plain user wrote 30,000 durable rows in 10 s. The address budget is the larger,
 * for several people behind one NAT; it also bounds one address holding many accounts.
 */
export interface DenialLimits {
  readonly perAccount: number;
  readonly perAddress: number;
  readonly windowMs: number;
}

export const defaultDenialLimits: DenialLimits = { perAccount: 30, perAddress: 100, windowMs: 60_000 };

export type DenialKey = "account" | "address";

export type DenialAdmission =
  | { readonly admitted: true }
  | {
      readonly admitted: false;
      readonly retryAfterMs: number;
      /** The keys whose budget this very refusal is the first to find spent in this window. */
      readonly newlyThrottled: readonly DenialKey[];
    };

interface Entry {
  count: number;
  windowStart: number;
  throttled: boolean;
}

/**
 * The budget of audited refusals (see recordDenial, domain/audit/denial-record.ts). Counted synchronously when a refusal
 * is admitted, before its row is written, so concurrent bursts cannot overrun it. A refusal past the budget
 * is answered 429 and not written; the first one of each burst leaves one row saying the key is throttled.
 * The operator at the CLI and the server's own jobs (no account, no address) are never throttled.
 * Counters live in this process: behind several instances each keeps its own.
 */
export class DenialBudget {
  readonly #clock: Clock;
  readonly #limits: DenialLimits;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, limits: DenialLimits = defaultDenialLimits) {
    this.#clock = clock;
    this.#limits = limits;
  }

  admit(accountId: string | null, address: string): DenialAdmission {
    const now = this.#clock.now();
    const keys: { kind: DenialKey; key: string; limit: number }[] = [];
    if (accountId !== null)
      keys.push({ kind: "account", key: `account\n${accountId}`, limit: this.#limits.perAccount });
    if (address !== "") keys.push({ kind: "address", key: `address\n${address}`, limit: this.#limits.perAddress });
    const spent = keys.flatMap(({ kind, key, limit }) => {
      const entry = this.#current(key, now);
      return entry !== undefined && entry.count >= limit ? [{ kind, entry }] : [];
    });
    if (spent.length === 0) {
      for (const { key } of keys) this.#count(key, now);
      return { admitted: true };
    }
    // A refusal held back counts against no key: the budgets measure what was written.
    const newlyThrottled = spent.filter(({ entry }) => !entry.throttled).map(({ kind }) => kind);
    for (const { entry } of spent) entry.throttled = true;
    const retryAfterMs = Math.max(...spent.map(({ entry }) => entry.windowStart + this.#limits.windowMs - now));
    return { admitted: false, retryAfterMs, newlyThrottled };
  }

  #count(key: string, now: number): void {
    const entry = this.#current(key, now);
    if (entry !== undefined) {
      entry.count += 1;
      return;
    }
    if (this.#entries.size >= 100_000) this.#prune(now);
    this.#entries.set(key, { count: 1, windowStart: now, throttled: false });
  }

  #current(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && now - entry.windowStart >= this.#limits.windowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #prune(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.windowStart >= this.#limits.windowMs) this.#entries.delete(key);
    }
  }
}
