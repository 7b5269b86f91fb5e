import type { Config } from "../config.ts";
import { type Actor, noRequest } from "../domain/actor.ts";
import { getUser } from "../domain/admin/user-admin.ts";
import type { Deps } from "../domain/deps.ts";
import { errorCodes, type Refusal } from "../domain/errors.ts";
import { findUserByEmail } from "../domain/users/accounts.ts";
import type { UserRecord } from "../domain/users/user.ts";
import type { openDeps } from "../server.ts";
import type { CliIo } from "./cli-io.ts";

/**
 * @module
 * What every command gets: the io it runs with, the database (opened per command, closed after it), this
 * process's configuration, and the two ways of answering: sentences for people, or with `--json` the
 * machine form for scripts. Refusals are thrown as CliRefusal (exit 1) or NotConfirmed (exit 2).
 */
export const cliActor: Actor = { type: "cli" };

/** What opening the database did (migrations applied, addresses backfilled): `migrate` reports it. */
export type Opened = Pick<Awaited<ReturnType<typeof openDeps>>, "migrations" | "emailBackfill">;

export type WithDeps = <T>(work: (deps: Deps, opened: Opened) => Promise<T>) => Promise<T>;

export interface SettingsSession {
  readonly deps: Deps;
  /** This process's own configuration, before the database's values replaced the unset ones. */
  readonly given: Config;
  readonly disagreements: readonly string[];
}

export type WithSettings = <T>(work: (session: SettingsSession) => Promise<T>) => Promise<T>;

export interface CliContext {
  readonly io: CliIo;
  readonly withDeps: WithDeps;
  readonly withSettings: WithSettings;
  /** This process's configuration, parsed when a command first needs it (so `--help` needs none). */
  config(): Config;
  /** Whether the running command was given --json. */
  json(): boolean;
  /** The exit code once the command has run (a command that reports a failure it printed sets 1). */
  exitCode: number;
}

/** A refusal as the command line prints it: `CODE: detail` on stderr, and exit code 1. */
export class CliRefusal extends Error {
  override readonly name = "CliRefusal";
}

/** A destructive command that was not confirmed: nothing changed; exit code 2. */
export class NotConfirmed extends Error {
  override readonly name = "NotConfirmed";
}

export function fail(refusal: Refusal): never {
  throw new CliRefusal(`${refusal.code}: ${refusal.detail ?? errorCodes[refusal.code].title}`);
}

/** One answer: the sentence, or with --json the machine form, on stdout. */
export function answer(ctx: CliContext, human: string | readonly string[], machine: unknown): void {
  if (ctx.json()) {
    ctx.io.stdout.write(`${JSON.stringify(machine)}\n`);
    return;
  }
  for (const line of typeof human === "string" ? [human] : human) ctx.io.stdout.write(`${line}\n`);
}

/** A list: one line per item, or with --json one JSON object per line (JSON Lines); `none` when empty. */
export function answerList<T>(
  ctx: CliContext,
  items: readonly T[],
  line: (item: T) => string,
  machine: (item: T) => unknown,
  none?: string,
): void {
  if (!ctx.json() && items.length === 0 && none !== undefined) ctx.io.stdout.write(`${none}\n`);
  for (const item of items) answer(ctx, line(item), machine(item));
}

/**
 * Users are named by id or by e-mail address on the command line. By id, through the read use case (an
 * unknown id is audited as a refused read, as the API's would be).
 */
export async function resolveUser(deps: Deps, idOrEmail: string): Promise<UserRecord> {
  const notFound = () => new CliRefusal(`USER_NOT_FOUND: No user with id or e-mail ${JSON.stringify(idOrEmail)}.`);
  if (idOrEmail.includes("@")) {
    const user = await findUserByEmail(deps.store, idOrEmail);
    if (user === null) throw notFound();
    return user;
  }
  const read = await getUser(deps, cliActor, idOrEmail, noRequest);
  if (!read.ok) {
    if (read.code === "USER_NOT_FOUND") throw notFound();
    fail(read);
  }
  return read.user;
}

export async function resolveUserId(deps: Deps, idOrEmail: string): Promise<string> {
  return (await resolveUser(deps, idOrEmail)).id;
}

/** An instant as people read it: `2026-12-08 14:00 UTC`. */
export function humanTime(at: string | number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `1 session`, `3 sessions`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
