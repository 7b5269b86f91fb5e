import type { Clock } from "../../src/domain/ports.ts";

/** A clock tests move by hand, so expiry is tested without sleeping. */
export class TestClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2026, 10, 26, 12, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
