/**
 * @module
 * The interfaces the domain needs from the outside world. Stores, hashers and the HTTP edge depend on
 * this file; it depends on nothing outside the domain.
 */
import type { AuditEntry, AuditHead, AuditInput, AuditQuery } from "./audit/audit-chain.ts";
import type { EventRecord } from "./events/user-event.ts";
import type { RecoveryLinkRecord } from "./recovery/recovery-link.ts";
import type { SessionRecord } from "./sessions/session-record.ts";
import type { ApiTokenRecord } from "./tokens/api-token.ts";
import type { TokenAuthenticated } from "./tokens/token-check.ts";
import type { PendingSignupRecord } from "./users/pending-signup.ts";
import type { Role } from "./users/role.ts";
import type { SignedInUser, UserRecord, UserStatus } from "./users/user.ts";
import type {
  AttemptLogEntry,
  AttemptRecord,
  DeliveryQuery,
  DeliveryRecord,
  DueDelivery,
  FinishedAttempt,
  SendOutcome,
} from "./webhooks/webhook-delivery.ts";
import type { EndpointChanges, WebhookEndpointRecord } from "./webhooks/webhook-endpoint.ts";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Random {
  /** Bytes from a CSPRNG. */
  bytes(length: number): Buffer;
  /** A random (version 4) UUID: user ids are never sequential or guessable. */
  uuid(): string;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * False on any mismatch or malformed hash; never throws for a wrong password. With a null hash (no such
   * account), or a stored value that is not a hash (an account without a password), it still does the full
   * work of one verification, so timing does not reveal the account.
   */
  verify(hash: string | null, password: string): Promise<boolean>;
}

export interface SessionAndUser {
  readonly session: SessionRecord;
  readonly user: SignedInUser;
}

export interface UserListQuery {
  readonly search?: string;
  readonly role?: Role;
  readonly status?: UserStatus;
  /** Opaque cursor: the id of the last user of the previous page (ordered by id). */
  readonly after?: string;
  readonly limit: number;
}

/** The keys the admin users list sorts by; each order ends with the id, so it is total and stable. */
export const userSortKeys = ["created", "email", "lastLogin"] as const;
export type UserSortKey = (typeof userSortKeys)[number];

/** The list's status filter: a pending deletion is its own state (such an account is also disabled). */
export const userListStates = ["active", "disabled", "pending"] as const;
export type UserListState = (typeof userListStates)[number];

/** A page of the admin users list, by keyset: the rows after (or before) one user's place in the order. */
export interface UserPageQuery {
  readonly search?: string;
  readonly role?: Role;
  readonly state?: UserListState;
  readonly sort: UserSortKey;
  readonly descending: boolean;
  /** Where the page starts: after or before this user in the order; absent: the first page. */
  readonly from?: { readonly id: string; readonly direction: "after" | "before" };
  readonly limit: number;
}

/** A user as the admin list shows them: the record and when they last signed in (null: never). */
export interface UserListing {
  readonly user: UserRecord;
  readonly lastLoginAt: number | null;
}

/** A page in display order, how many match the filters, and how many of those come before the page. */
export interface UserPage {
  readonly total: number;
  readonly offset: number;
  readonly users: UserListing[];
}

/** A place in the events feed: after this event (auditSeq, ordinal); ordinal -1 is before an act's first. */
export interface EventPosition {
  readonly auditSeq: number;
  readonly ordinal: number;
}

export interface UserPatch {
  readonly name?: string;
  readonly role?: Role;
  readonly status?: UserStatus;
  readonly passwordHash?: string;
  readonly purgeAfter?: number | null;
}

/** A user with what an identity provider calls them (SCIM `externalId`; null when none was given). */
export interface ProvisionedUser {
  readonly user: UserRecord;
  readonly externalId: string | null;
}

/**
 * A condition on users, as the store translates it to SQL (domain/scim/scim-filter.ts builds it from a SCIM
 * filter). `email` compares the normalized key; `deletionPending` is whether a deletion waits out its grace.
 */
export type UserCondition =
  | { readonly kind: "always" | "never" }
  | { readonly kind: "eq"; readonly field: "id" | "email" | "externalId"; readonly value: string }
  | { readonly kind: "hasExternalId" }
  | { readonly kind: "status"; readonly value: UserStatus }
  | { readonly kind: "deletionPending"; readonly value: boolean }
  | { readonly kind: "and" | "or"; readonly conditions: readonly UserCondition[] };

export interface UserConditionQuery {
  readonly where: UserCondition;
  /** Rows skipped, in the stable order (created_at, id). */
  readonly offset: number;
  readonly limit: number;
}

/** Reads that are safe outside a transaction. */
export interface StoreReads {
  getUserById(id: string): Promise<UserRecord | null>;
  /** The e-mail addresses of the users among `ids` (one query; an id that names no user is left out). */
  getUserEmails(ids: readonly string[]): Promise<ReadonlyMap<string, string>>;
  getUserByEmail(normalizedEmail: string): Promise<UserRecord | null>;
  /** The hot path of every request: one indexed point query. */
  getSessionAndUser(sessionId: string): Promise<SessionAndUser | null>;
  /** Read apart from the session check, by the few acts that verify the password again; null: no user. */
  getPasswordHash(userId: string): Promise<string | null>;
  listUserSessions(userId: string): Promise<SessionRecord[]>;
  /** The bearer check's one point query: a token and its owner (without the password hash). */
  getApiTokenAndUser(tokenId: string): Promise<TokenAuthenticated | null>;
  /** A user's tokens, newest first, expired ones included (they are listed until revoked). */
  listUserApiTokens(userId: string): Promise<ApiTokenRecord[]>;
  /** A pending sign-up by its link's id (expired ones included: the caller judges). */
  getPendingSignup(id: string): Promise<PendingSignupRecord | null>;
  /** A recovery link by its id (expired ones included: the caller judges). */
  getRecoveryLink(id: string): Promise<RecoveryLinkRecord | null>;
  countUsers(): Promise<number>;
  /**
   * Counts the active superusers without locking them: what a deletion plan shows. An act that may remove
   * one counts them with lockActiveSuperusers instead, inside its transaction.
   */
  countActiveSuperusers(): Promise<number>;
  /** One trivial round trip to the database, touching no table: liveness for /healthz. */
  ping(): Promise<void>;
  listUsers(query: UserListQuery): Promise<UserRecord[]>;
  /** The admin list's page; null when `from` names no user (deleted since its page was shown). */
  pageUsers(query: UserPageQuery): Promise<UserPage | null>;
  /** When the user last signed in with a password; null: never, or no such user. */
  getLastLogin(userId: string): Promise<number | null>;
  /** The users matching a condition, a page of them in (created_at, id) order, and how many match in all. */
  findUsers(query: UserConditionQuery): Promise<{ total: number; users: ProvisionedUser[] }>;
  getProvisionedUser(id: string): Promise<ProvisionedUser | null>;
  getUserByExternalId(externalId: string): Promise<UserRecord | null>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Every audit entry (after `afterSeq`, if given) in sequence order, notes included, for verification. */
  readAuditChain(afterSeq?: number): AsyncIterable<AuditEntry>;
  /** The sequence number and hash the chain must end with (guards against truncation). */
  getAuditHead(): Promise<AuditHead>;
  /** Events after the position, in commit order (the feed). */
  listEvents(after: EventPosition, limit: number): Promise<EventRecord[]>;
  /** The last position retention has deleted through: a cursor before it may have missed events. */
  getEventsPrunedThrough(): Promise<EventPosition>;
}

/** Writes; every one runs inside a transaction so that an act and its audit row commit together. */
export interface StoreWrites {
  /** Row-locks the user for the rest of the transaction (SELECT ... FOR UPDATE where the engine has it). */
  lockUser(id: string): Promise<UserRecord | null>;
  /**
   * False when the normalized e-mail is taken, or when its confusable skeleton (computed by the store from
   * normalizedEmail, domain/users/email-skeleton.ts) is another account's, or the external id is taken.
   */
  insertUser(user: UserRecord, normalizedEmail: string, externalId?: string | null): Promise<boolean>;
  /** Sets or clears what an identity provider calls the user; check getUserByExternalId first (it is unique). */
  setUserExternalId(id: string, externalId: string | null): Promise<void>;
  updateUser(id: string, patch: UserPatch, now: number): Promise<void>;
  /** A password login's time, written by the login's own transaction (never by the session check). */
  recordLogin(userId: string, at: number): Promise<void>;
  /** Disables the account until purgeAfter, remembering its status so a restore gives that status back. */
  scheduleErasure(id: string, purgeAfter: number, now: number): Promise<void>;
  /** Undoes scheduleErasure: the status from before, no purge time. */
  cancelErasure(id: string, now: number): Promise<void>;
  /**
   * Removes the user row and, by cascade, everything it owns, every audit note that mentions the user's
   * e-mail address (the chain keeps those notes' MACs and stays verifiable), and any pending sign-up for
   * the address's key.
   */
  eraseUser(id: string): Promise<boolean>;
  /**
   * Row-locks the active superusers, in id order, and returns how many there are: taken before locking a
   * target that may be one, so that two acts cannot both pass the last-superuser rule.
   */
  lockActiveSuperusers(): Promise<number>;
  /** Users whose grace period has ended, oldest first. */
  listUsersDueForPurge(now: number, limit: number): Promise<string[]>;
  insertSession(session: SessionRecord): Promise<void>;
  deleteSession(id: string): Promise<boolean>;
  /** Scoped to the owner: another user's session id matches nothing, exactly like an unknown id. */
  deleteUserSession(userId: string, sessionId: string): Promise<boolean>;
  /** Returns how many sessions were revoked. */
  deleteUserSessions(userId: string, exceptSessionId?: string): Promise<number>;
  markReauthenticated(sessionId: string, now: number): Promise<void>;
  insertApiToken(token: ApiTokenRecord): Promise<void>;
  /** Scoped to the owner, like deleteUserSession: another user's token id matches nothing. */
  deleteUserApiToken(userId: string, tokenId: string): Promise<boolean>;
  /** Every token of the user; returns how many. */
  deleteUserApiTokens(userId: string): Promise<number>;
  /** The user's recovery link, replacing (deleting) any earlier one; returns how many it voided. */
  replaceRecoveryLink(link: RecoveryLinkRecord): Promise<number>;
  /** Row-locks a recovery link for the rest of the transaction; null when there is none (used, voided). */
  lockRecoveryLink(id: string): Promise<RecoveryLinkRecord | null>;
  /** Consumes a link: false when it was already gone. */
  deleteRecoveryLink(id: string): Promise<boolean>;
  /** Every recovery link of the user (at most one); returns how many. */
  deleteUserRecoveryLinks(userId: string): Promise<number>;
  /** The address's pending sign-up (domain/users/pending-signup.ts), replacing any earlier one for its key. */
  replacePendingSignup(record: PendingSignupRecord): Promise<void>;
  /** Row-locks a pending sign-up for the rest of the transaction; null when there is none (used, replaced, swept). */
  lockPendingSignup(id: string): Promise<PendingSignupRecord | null>;
  /** Consumes a pending sign-up: false when it was already gone. */
  deletePendingSignup(id: string): Promise<boolean>;
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** An act's events, after its audit row in the same transaction (domain/events/record-events.ts). */
  insertEvents(events: readonly EventRecord[]): Promise<void>;
  /**
   * A new webhook endpoint, its cursor at the newest event committed (it receives what follows). Called after
   * the act's appendAudit, whose head lock means every earlier act has committed.
   */
  insertWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void>;
  /** Row-locks the endpoint for the rest of the transaction; null when there is none. */
  lockWebhookEndpoint(id: string): Promise<WebhookEndpointRecord | null>;
  /** Changes a stored shared setting (src/shared-settings.ts); only `gatehouse settings set` calls it. */
  setSharedSetting(name: string, value: string, at: number): Promise<void>;
  /** A new signing secret; the one it replaces still signs until `previousUntil`. */
  rotateWebhookSecret(id: string, secret: string, previousSecret: string, previousUntil: number): Promise<void>;
  /** The fields given, changed; enabling clears the disabled reason. */
  updateWebhookEndpoint(id: string, changes: EndpointChanges): Promise<void>;
  /** The endpoint with its deliveries and their attempts. */
  deleteWebhookEndpoint(id: string): Promise<void>;
  /**
   * Records an attempt's end on its delivery and in the log, and disables the endpoint when the record says
   * so; null when the delivery no longer exists.
   */
  finishWebhookAttempt(deliveryId: string, attempt: AttemptRecord): Promise<FinishedAttempt | null>;
  /** Row-locks one delivery of the endpoint; null when there is none. */
  lockWebhookDelivery(endpointId: string, deliveryId: string): Promise<DeliveryRecord | null>;
  /** The delivery pending again on a new schedule, due at `now`. */
  redeliverWebhook(deliveryId: string, now: number): Promise<void>;
}

export type StoreTx = StoreReads & StoreWrites;

/** The kinds of e-mail Gatehouse sends (one file under domain/mail/ builds each). */
export type MailKind = "password_reset" | "signup_verification" | "signup_attempt";

/** One e-mail: plain text, to one recipient, an address Gatehouse checked (never a header value someone typed). */
export interface MailMessage {
  readonly kind: MailKind;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** The mail transport (infra/smtp-mailer.ts): resolves once the server accepted the message, rejects otherwise. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** One signed POST to a webhook endpoint (infra/webhook-sender.ts applies the SSRF rules); never throws. */
export interface WebhookSender {
  send(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<SendOutcome>;
  /** Closes the connections it keeps between attempts (at shutdown, after the worker stopped). */
  close(): void;
}

/**
 * The webhook worker's and the delivery log's verbs (domain/webhooks/). Each write is its own short
 * transaction; none is on the request path.
 */
export interface WebhookStore {
  /**
   * For each enabled endpoint, delivery rows for up to `perEndpoint` events after its cursor (those its
   * filter takes), and the cursor moved past every event read; returns how many rows were made.
   */
  enqueueDeliveries(now: number, perEndpoint: number): Promise<number>;
  /**
   * Up to `limit` pending deliveries that are due, unclaimed (or whose claim ran out: a crashed instance's),
   * of enabled endpoints, and with no earlier pending delivery of the same user to the same endpoint; each
   * claimed until `claimUntil`. PostgreSQL: rows another instance is claiming are skipped, never waited on.
   */
  claimDueDeliveries(now: number, claimUntil: number, limit: number): Promise<DueDelivery[]>;
  /** enqueueDeliveries then claimDueDeliveries, in one write transaction (none when there is nothing to do). */
  takeDueDeliveries(now: number, claimUntil: number, limit: number, perEndpoint: number): Promise<DueDelivery[]>;
  listWebhookEndpoints(): Promise<WebhookEndpointRecord[]>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpointRecord | null>;
  /** A page of an endpoint's deliveries, newest event first. */
  listWebhookDeliveries(endpointId: string, query: DeliveryQuery): Promise<DeliveryRecord[]>;
  /** One delivery of the endpoint and every attempt of it, oldest first; null when there is none. */
  getWebhookDelivery(
    endpointId: string,
    deliveryId: string,
  ): Promise<{ delivery: DeliveryRecord; attempts: AttemptLogEntry[] } | null>;
  /** How many deliveries of the endpoint are in each status. */
  countWebhookDeliveries(endpointId: string): Promise<Record<"pending" | "delivered" | "failed", number>>;
  /** Finished deliveries (delivered or failed) of events retention has pruned, with their attempts. */
  pruneFinishedDeliveries(limit: number): Promise<number>;
}

export interface TransactionOptions {
  readonly durable: boolean;
}

export interface Store extends StoreReads {
  readonly engine: "sqlite" | "postgres";
  /**
   * Runs fn in one transaction: all of it commits or none of it does. On SQLite writers are serialized;
   * on PostgreSQL row locks (lockUser) order concurrent writers. `durable: false` (default true) lets the
   * commit return before it reaches the disk: only for writes that a power cut may undo without harm
   * because they are made again (the delivery worker's bookkeeping: at least once covers a lost claim or
   * outcome). A crash of the process loses nothing committed either way.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Deletes up to `limit` sessions last seen at or before `idleSince`, oldest first, as one short write
   * of its own; returns how many. Used by the sweeper (domain/sessions/session-sweep.ts), batch after batch.
   */
  deleteIdleSessions(idleSince: number, limit: number): Promise<number>;
  /** Deletes up to `limit` pending sign-ups past their expiry, as one short write of its own; returns how many. */
  deleteExpiredPendingSignups(now: number, limit: number): Promise<number>;
  /** Throttled last-seen update; a single statement, outside any transaction. */
  touchSession(id: string, now: number): Promise<void>;
  /** A token's last use (at most once a minute per token, token-check.ts); one statement, outside any transaction. */
  touchApiToken(id: string, now: number): Promise<void>;
  /**
   * Deletes up to `limit` events that occurred before `before`, oldest first, as one short write of its own,
   * moving the pruned-through mark with them; returns how many.
   */
  pruneEvents(before: number, limit: number): Promise<number>;
  /** The settings every process on one database shares (src/shared-settings.ts), by name. */
  readSharedSettings(): Promise<Record<string, string>>;
  /** Stores these where none is stored yet (a concurrent first start keeps the first). */
  initSharedSettings(values: Readonly<Record<string, string>>, at: number): Promise<void>;
  readonly webhooks: WebhookStore;
  /** After an erasure commits: leaves no readable copy of the erased rows in the engine's files. */
  scrubAfterErase(): Promise<void>;
  close(): Promise<void>;
}
