import { performance } from "node:perf_hooks";
import type { LimitFunction } from "p-limit";

export interface EventLoopAwareLimitOptions {
  /** The limit while the event loop is busy (serving requests). */
  readonly whenBusy: number;
  /** The limit while it is mostly idle. */
  readonly whenIdle: number;
  /** Event-loop utilization (0..1) over the last interval at or above which the loop counts as busy. */
  readonly busyAt?: number;
  readonly intervalMs?: number;
}

/**
 * Adjusts a concurrency limit to how busy the event loop is, measured by its utilization over the last
 * interval: CPU-heavy work on the thread pool (password hashing) gets every core while the event loop
 * has little to do, and leaves it one of its own as soon as it is serving requests. A starved event loop
 * takes longer over its work and so reads as busy: the adjustment does not feed itself. The timer is
 * unref'd; the returned function stops it.
 */
export function adaptToEventLoop(limit: LimitFunction, options: EventLoopAwareLimitOptions): () => void {
  const busyAt = options.busyAt ?? 0.5;
  let previous = performance.eventLoopUtilization();
  limit.concurrency = options.whenBusy;
  const timer = setInterval(() => {
    const current = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(current, previous).utilization;
    previous = current;
    limit.concurrency = utilization >= busyAt ? options.whenBusy : options.whenIdle;
  }, options.intervalMs ?? 100);
  timer.unref();
  return () => clearInterval(timer);
}
