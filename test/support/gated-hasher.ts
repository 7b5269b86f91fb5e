import type { PasswordHasher } from "../../src/domain/ports.ts";

/**
 * A hasher that holds every password verification at a gate until the test opens it, and counts them:
 * a burst of requests is then all "in flight" at once, however fast the real hash is, so a test can see
 * how many reach the hash (a verdict each) no matter how the event loop happens to interleave them.
 */
export class GatedHasher implements PasswordHasher {
  readonly #inner: PasswordHasher;
  readonly #waiting: (() => void)[] = [];
  #open = true;
  /** Verifications started (each one a password verdict the client will get). */
  verifications = 0;

  constructor(inner: PasswordHasher) {
    this.#inner = inner;
  }

  /** Verifications waiting at the gate now. */
  get held(): number {
    return this.#waiting.length;
  }

  close(): void {
    this.#open = false;
  }

  open(): void {
    this.#open = true;
    for (const release of this.#waiting.splice(0)) release();
  }

  hash(password: string): Promise<string> {
    return this.#inner.hash(password);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    this.verifications += 1;
    if (!this.#open) await new Promise<void>((release) => this.#waiting.push(release));
    return this.#inner.verify(hash, password);
  }
}

/**
 * Sends a burst with the gate closed and waits until every request of it has either been answered or is
 * held at the gate, so that nothing more of the burst is on its way to the hash. The held ones are answered
 * once the test opens the gate.
 */
export async function burstAtGate<T>(
  hasher: GatedHasher,
  requests: readonly (() => Promise<T>)[],
): Promise<Promise<T>[]> {
  hasher.close();
  let answered = 0;
  const heldBefore = hasher.held;
  const pending = requests.map((send) =>
    send().then((answer) => {
      answered += 1;
      return answer;
    }),
  );
  while (answered + hasher.held - heldBefore < requests.length) await new Promise((r) => setTimeout(r, 2));
  return pending;
}
