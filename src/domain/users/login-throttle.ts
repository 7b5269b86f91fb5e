import type { Clock } from "../ports.ts";

/** One reserved password attempt, settled exactly once by what its verdict was. */
export interface Attempt {
  /** The attempt stays counted (a wrong password; or, for a plain request budget, any verdict). */
  count(): void;
  /** As if it never happened (no verdict was given, or the right password where successes are free). */
  cancel(): void;
  /** The right password: forget the key's counted attempts, keeping the ones still in flight. */
  clear(): void;
}

interface Entry {
  counted: number;
  /** Reserved attempts whose verdict is not known yet. */
  inFlight: number;
  windowStart: number;
}

/** How long to tell a client held back only by attempts still in flight: they are decided within it. */
const inFlightRetryMs = 1_000;

/**
 * A fixed-window count of password attempts per key (an account, an account from one address, or an
 * address), for the throttles of http/password-throttle.ts (ASVS 6.3.1). An attempt is reserved
 * synchronously before its password is hashed and counts against the limit while it is in flight, so a
 * burst of concurrent attempts gets at most the limit of verdicts however it is timed; the verdict then
 * keeps, cancels or clears it. Past the limit the answer is "wait" (429 with Retry-After), never a lockout.
 * Counters live in this process: behind several instances each keeps its own.
 */
export class LoginThrottle {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, max: number, windowMs: number) {
    this.#clock = clock;
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** Milliseconds to wait before an attempt on this key can be reserved, or 0. */
  retryAfterMs(key: string): number {
    const entry = this.#current(key);
    if (entry === undefined || entry.counted + entry.inFlight < this.#max) return 0;
    const windowLeft = entry.windowStart + this.#windowMs - this.#clock.now();
    return entry.counted >= this.#max ? windowLeft : Math.min(windowLeft, inFlightRetryMs);
  }

  /** Reserves an attempt, counted at once, or returns null when the key has none left in this window. */
  reserve(key: string): Attempt | null {
    if (this.retryAfterMs(key) > 0) return null;
    let entry = this.#current(key);
    if (entry === undefined) {
      if (this.#entries.size >= 100_000) this.#prune();
      entry = { counted: 0, inFlight: 0, windowStart: this.#clock.now() };
      this.#entries.set(key, entry);
    }
    entry.inFlight += 1;
    return this.#attempt(key, entry);
  }

  #attempt(key: string, entry: Entry): Attempt {
    let settled = false;
    // An attempt settling after its window ended changes only that old window's entry, which is no longer
    // in the map: the new window starts from zero, as it would have anyway.
    const settle = (change: () => void) => {
      if (settled) return;
      settled = true;
      entry.inFlight -= 1;
      change();
      if (entry.counted === 0 && entry.inFlight === 0 && this.#entries.get(key) === entry) this.#entries.delete(key);
    };
    return {
      count: () =>
        settle(() => {
          entry.counted += 1;
        }),
      cancel: () => settle(() => {}),
      clear: () =>
        settle(() => {
          entry.counted = 0;
        }),
    };
  }

  #current(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && this.#clock.now() - entry.windowStart >= this.#windowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #prune(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#entries) {
      if (now - entry.windowStart >= this.#windowMs) this.#entries.delete(key);
    }
  }
}
