import { timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  type AuditEntry,
  type AuditHead,
  type AuditSealer,
  genesisHash,
  sealAuditHead,
  sealAuditNote,
} from "./audit-chain.ts";

/**
 * @module
 * Verification of the audit chain. It reports every broken entry, not just the first: after a break it goes
 * on from what the database holds, so one bad entry (edited, or made unreadable) cannot hide a later edit,
 * and each edit is reported once, at its own entry. Callers branch on `kind`, never on the prose.
 */
export type AuditBreakKind =
  /** The sequence jumps: entries before this one were removed. */
  | "missing-entries"
  /** The entry's link does not match the entry before it. */
  | "broken-link"
  /** The entry does not match its seal: edited, or inserted without the secret. */
  | "altered"
  /** The note's text does not match the MAC the entry sealed (an erased note is not a break). */
  | "note-altered"
  /** The head records more entries than there are: the tail was cut off. */
  | "truncated"
  /** Entries follow the recorded end of the log. */
  | "unrecorded-entries"
  /** The last entry is not the one the head records. */
  | "head-mismatch"
  /** The head row does not match its seal. */
  | "head-altered"
  /** The head row is gone: nothing records where the log ends. */
  | "head-missing";

export interface AuditBreak {
  readonly seq: number;
  readonly kind: AuditBreakKind;
  readonly problem: string;
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** Entries found intact before the first break. */
      readonly entries: number;
      /** The first break: its entry, kind and description (the first of `broken`). */
      readonly brokenAt: number;
      readonly kind: AuditBreakKind;
      readonly problem: string;
      /** The first breaks in chain order, at most `maxReported` of them. */
      readonly broken: readonly AuditBreak[];
      /** Every break found, reported or not. */
      readonly brokenCount: number;
    };

export const defaultMaxReported = 100;

/**
 * How long the walk may hold the event loop before it gives other work a turn. Each entry costs an HMAC, a
 * JSON serialization and its share of a synchronous SQLite read: 10-30 us measured on a busy 2-core
 * machine, less on an idle one. A budget in time rather than a count of entries keeps every turn short
 * however fast the machine and the engine are, so a verification of any length never stalls the requests
 * being served. Wall time (performance.now), not Deps.clock: this is scheduling, not the time of an act.
 */
export const verifyTurnMs = 2;

const problems: Record<AuditBreakKind, (seq: number, expected: number) => string> = {
  "missing-entries": (seq, expected) => `expected entry ${expected}, found ${seq}`,
  "broken-link": () => "the link to the previous entry is broken",
  altered: () => "the entry was altered",
  "note-altered": () => "the entry's note was altered",
  truncated: () => "entries are missing from the end of the log",
  "unrecorded-entries": () => "entries follow the recorded end of the log",
  "head-mismatch": () => "the last entry does not match the recorded end",
  "head-altered": () => "the recorded end of the log was altered",
  "head-missing": () => "the record of the log's end is missing",
};

/**
 * The state of one walk along the chain. Entries are fed in order (`check`), and `verdict` compares the
 * state with a head without changing it, so a walk can be continued with entries appended since.
 */
export class AuditChainWalk {
  readonly #seal: AuditSealer;
  readonly #maxReported: number;
  readonly #broken: AuditBreak[] = [];
  #first: AuditBreak | null = null;
  #brokenCount = 0;
  #read = 0;
  #intact = 0;
  #lastSeq = 0;
  /** The previous entry's hash as stored and as recomputed: a link to either is the one it should be. */
  #previous: readonly string[] = [genesisHash];

  constructor(seal: AuditSealer, maxReported = defaultMaxReported) {
    this.#seal = seal;
    this.#maxReported = Math.max(1, maxReported);
  }

  /** The last sequence number read: continue with the entries after it. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  check(entry: AuditEntry): void {
    const expected = this.#lastSeq + 1;
    const recomputed = this.#seal(entry.prevHash, entry.seq, entry);
    // One break per entry, the most telling: a gap explains the broken link that comes with it.
    let kind: AuditBreakKind | null = null;
    if (entry.seq !== expected) kind = "missing-entries";
    else if (!this.#previous.includes(entry.prevHash)) kind = "broken-link";
    else if (!sameHex(recomputed, entry.hash)) kind = "altered";
    else if (!this.#noteMatches(entry)) kind = "note-altered";
    if (kind === null) {
      if (this.#brokenCount === 0) this.#intact += 1;
    } else {
      this.#report({ seq: entry.seq, kind, problem: problems[kind](entry.seq, expected) });
    }
    this.#read += 1;
    this.#lastSeq = entry.seq;
    this.#previous = recomputed === entry.hash ? [entry.hash] : [entry.hash, recomputed];
  }

  verdict(head: AuditHead): AuditVerification {
    const headBreak = this.#headBreak(head);
    const first = this.#first ?? headBreak;
    // No break at all: the head's hash is the last entry's.
    if (first === null) return { ok: true, entries: this.#read, headHash: head.hash };
    const broken = headBreak === null ? this.#broken : [...this.#broken, headBreak].slice(0, this.#maxReported);
    const brokenCount = this.#brokenCount + (headBreak === null ? 0 : 1);
    return {
      ok: false,
      entries: this.#intact,
      brokenAt: first.seq,
      kind: first.kind,
      problem: first.problem,
      broken,
      brokenCount,
    };
  }

  #headBreak(head: AuditHead): AuditBreak | null {
    const last = this.#lastSeq;
    const at = (kind: AuditBreakKind, seq: number): AuditBreak => ({ seq, kind, problem: problems[kind](seq, seq) });
    if (head.missing === true) return at("head-missing", last + 1);
    if (head.seq > last) return at("truncated", last + 1);
    if (head.seq < last) return at("unrecorded-entries", head.seq + 1);
    if (!this.#previous.includes(head.hash)) return at("head-mismatch", last);
    if (head.seal !== undefined && !sameHex(sealAuditHead(this.#seal, head.seq, head.hash), head.seal)) {
      return at("head-altered", last + 1);
    }
    return null;
  }

  /** An entry without a note, or whose note was erased, has nothing to compare; an added note is a break. */
  #noteMatches(entry: AuditEntry): boolean {
    if (entry.note === undefined || entry.note === null) return true;
    return entry.noteMac !== undefined && sameHex(sealAuditNote(this.#seal, entry.note), entry.noteMac);
  }

  #report(broken: AuditBreak): void {
    this.#first ??= broken;
    this.#brokenCount += 1;
    if (this.#broken.length < this.#maxReported) this.#broken.push(broken);
  }
}

export interface VerifyOptions {
  /** How many breaks the verdict lists (all are counted). */
  readonly maxReported?: number;
}

/** Feeds the chain to the walk, giving the event loop a turn whenever it has worked for verifyTurnMs. */
export async function walkAuditChain(walk: AuditChainWalk, chain: AsyncIterable<AuditEntry>): Promise<void> {
  let turnStarted = performance.now();
  for await (const entry of chain) {
    walk.check(entry);
    if (performance.now() - turnStarted >= verifyTurnMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turnStarted = performance.now();
    }
  }
}

/**
 * Walks the chain, then compares with the head. Pass the head as a function to read it after the walk:
 * entries appended while walking are then part of both, and the verdict is never a false alarm.
 */
export async function verifyAuditChain(
  chain: AsyncIterable<AuditEntry>,
  headOrReader: AuditHead | (() => Promise<AuditHead>),
  seal: AuditSealer,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const walk = new AuditChainWalk(seal, options.maxReported);
  await walkAuditChain(walk, chain);
  return walk.verdict(typeof headOrReader === "function" ? await headOrReader() : headOrReader);
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
