import type { Clock } from "./ports.ts";

/**
 * Per-account throttle on failed password attempts (ASVS 6.3.1), complementing the per-IP request limit:
 * it slows a distributed guessing attack on one account. It counts failures only, so the account owner's
 * successful sign-ins never use it up, and it answers "wait" (429 with Retry-After) rather than locking the
 * account, so an attacker can at worst delay, never disable, a victim's password login; sessions already
 * open are untouched. Counters live in this process: behind several instances each keeps its own.
 */
export class LoginThrottle {
  readonly #clock: Clock;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, { count: number; windowStart: number }>();

  constructor(clock: Clock, maxFailures: number, windowMs: number) {
    this.#clock = clock;
    this.#maxFailures = maxFailures;
    this.#windowMs = windowMs;
  }

  /** Milliseconds to wait before another attempt on this account, or 0. */
  retryAfterMs(key: string): number {
    const entry = this.#current(key);
    if (entry === undefined || entry.count < this.#maxFailures) return 0;
    return entry.windowStart + this.#windowMs - this.#clock.now();
  }

  recordFailure(key: string): void {
    const entry = this.#current(key);
    if (entry === undefined) {
      if (this.#failures.size >= 100_000) this.#prune();
      this.#failures.set(key, { count: 1, windowStart: this.#clock.now() });
    } else {
      entry.count += 1;
    }
  }

  recordSuccess(key: string): void {
    this.#failures.delete(key);
  }

  #current(key: string): { count: number; windowStart: number } | undefined {
    const entry = this.#failures.get(key);
    if (entry !== undefined && this.#clock.now() - entry.windowStart >= this.#windowMs) {
      this.#failures.delete(key);
      return undefined;
    }
    return entry;
  }

  #prune(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#failures) {
      if (now - entry.windowStart >= this.#windowMs) this.#failures.delete(key);
    }
  }
}
