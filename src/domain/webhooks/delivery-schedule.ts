import type { Random } from "../ports.ts";

/**
 * @module
 * When a failed delivery is tried again (docs/events.md "Retries"). The first attempt is immediate; after a
 * failure the next waits, in turn, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27.6 h in all), each
 * delay moved by up to ±20 % at random so that many deliveries failing together do not return together.
 * A failure after the last is final: the delivery fails and its endpoint is disabled.
 */
export const retryDelaysMs: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** Attempts in all, the first included. */
export const maxAttempts = retryDelaysMs.length + 1;

const jitter = 0.2;

/** The longest `Retry-After` honoured; a longer one is cut to it (the schedule's own longest step). */
export const maxRetryAfterMs = 10 * 3_600_000;

/** How long to wait after the `attemptsMade`-th failed attempt; null when none is left. */
export function retryDelayMs(attemptsMade: number, random: Random): number | null {
  const base = retryDelaysMs[attemptsMade - 1];
  if (base === undefined) return null;
  // 16 random bits are plenty for a spread of ±20 %.
  const unit = random.bytes(2).readUInt16BE(0) / 0xffff;
  return Math.round(base * (1 - jitter + 2 * jitter * unit));
}

/**
 * A `Retry-After` header (delta seconds or an HTTP date) as a wait in milliseconds, at least a second and at
 * most maxRetryAfterMs; null when absent or not understood (the schedule then decides).
 */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  let wait: number;
  if (/^[0-9]{1,9}$/.test(text)) wait = Number(text) * 1_000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    wait = at - now;
  }
  return Math.min(maxRetryAfterMs, Math.max(1_000, wait));
}
