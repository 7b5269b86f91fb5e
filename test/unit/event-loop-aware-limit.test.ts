import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { adaptToEventLoop } from "../../src/infra/event-loop-aware-limit.ts";

/** Keeps the event loop busy for `ms`, yielding between slices so that timers still fire. */
async function busyFor(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const sliceEnd = Math.min(until, performance.now() + 15);
    while (performance.now() < sliceEnd) {
      // spin: this is the "serving requests" the limit must notice
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

test("the limit drops to its busy value while the event loop is busy and rises again when it idles", async () => {
  const limit = pLimit(1);
  const stop = adaptToEventLoop(limit, { whenBusy: 1, whenIdle: 3, intervalMs: 20 });
  try {
    assert.equal(limit.concurrency, 1, "it starts cautious");
    await sleep(100);
    assert.equal(limit.concurrency, 3, "idle: every core");
    await busyFor(120);
    assert.equal(limit.concurrency, 1, "busy: one core left to the event loop");
    await sleep(100);
    assert.equal(limit.concurrency, 3);
  } finally {
    stop();
  }
});
