/**
 * @module
 * Versioned migrations: one list for both engines. Each migration's SQL is built from the named pieces of
 * the engine's dialect (SchemaDialect, documented in sql-engine.ts), so that a difference between the
 * engines is written once and no migration has a second copy to drift. A released migration is never
 * edited in meaning: add a new one. Its text may change form (schema_migrations records only the version)
 * as long as each engine ends up with the same schema: test/store/release-upgrade.test.ts compares it
 * with the schema the released SQL made. Timestamps are milliseconds since the epoch (`d.bigint`).
 */
import type { Dialect } from "./sql-engine.ts";

/** The dialect pieces a migration's SQL is built from. */
export type SchemaDialect = Pick<Dialect, "bigint" | "strictTable">;

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** The migration's statements for the engine whose dialect is given; run as one script. */
  readonly sql: (d: SchemaDialect) => string;
}

const genesis = "0".repeat(64);

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "users, sessions, audit log",
    // audit_head.id stays INTEGER on both engines: it only ever holds 1.
    sql: (d) => `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        email_normalized TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        search_text TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL CHECK (role IN ('user', 'admin', 'superuser')),
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        password_hash TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        updated_at ${d.bigint} NOT NULL,
        purge_after ${d.bigint},
        status_before_deletion TEXT
      )${d.strictTable};
      CREATE INDEX users_purge_after ON users (purge_after) WHERE purge_after IS NOT NULL;
      CREATE INDEX users_active_superusers ON users (id) WHERE role = 'superuser' AND status = 'active';
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        last_seen_at ${d.bigint} NOT NULL,
        authenticated_at ${d.bigint} NOT NULL,
        expires_at ${d.bigint} NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL
      )${d.strictTable};
      CREATE INDEX sessions_user_id ON sessions (user_id);
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE TABLE audit_log (
        seq ${d.bigint} PRIMARY KEY,
        at ${d.bigint} NOT NULL,
        actor_type TEXT NOT NULL,
        actor_id TEXT,
        action TEXT NOT NULL,
        target_id TEXT,
        outcome TEXT NOT NULL,
        reason TEXT,
        request_id TEXT,
        ip TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )${d.strictTable};
      CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
      CREATE INDEX audit_log_target ON audit_log (target_id, seq);
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq ${d.bigint} NOT NULL,
        hash TEXT NOT NULL,
        seal TEXT NOT NULL DEFAULT ''
      )${d.strictTable};
      INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${genesis}');
    `,
  },
  {
    version: 2,
    name: "sessions swept by last_seen_at",
    // The sweep deletes sessions idle past the limit through this index, a bounded batch at a time. The
    // expires_at index never served a query (the old sweep's OR scanned the whole table) and only cost
    // every session insert, touch-free deletion and erasure one more B-tree to update.
    sql: () => `
      DROP INDEX sessions_expires_at;
      CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);
    `,
  },
  {
    version: 3,
    name: "audit notes kept apart from the sealed chain",
    // Caller-chosen text (an admin's deletion reason) must be erasable without breaking the chain: the
    // entry seals the note's MAC (note_mac) and the text lives here, deleted when the person it names is
    // erased. No foreign key: a note row must never stop an audit row from being examined or removed.
    sql: (d) => `
      ALTER TABLE audit_log ADD COLUMN note_mac TEXT;
      CREATE TABLE audit_notes (
        seq ${d.bigint} PRIMARY KEY,
        note TEXT NOT NULL,
        search_text TEXT NOT NULL
      )${d.strictTable};
    `,
  },
  {
    version: 4,
    name: "e-mail confusable skeletons",
    // The UTS #39 skeleton of each address (domain/users/email-skeleton.ts), unique so that a look-alike of an
    // existing account is refused atomically by the same INSERT ... ON CONFLICT DO NOTHING as a taken
    // address, on both engines and under concurrency. NULL is allowed many times: existing accounts get
    // theirs from store/email-backfill.ts at open, and the later of two that already look alike keeps NULL.
    sql: () => `
      ALTER TABLE users ADD COLUMN email_skeleton TEXT;
      CREATE UNIQUE INDEX users_email_skeleton ON users (email_skeleton);
    `,
  },
  {
    version: 5,
    name: "API tokens; SCIM external ids",
    // A token's row goes with its owner (ON DELETE CASCADE covers the erasure); deletion and disable delete
    // the rows themselves, in their own transaction, so the count is reported. Only the secret's SHA-256 is
    // stored. external_id is what an identity provider calls the account (SCIM), unique when present.
    sql: (d) => `
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        expires_at ${d.bigint} NOT NULL,
        last_used_at ${d.bigint}
      )${d.strictTable};
      CREATE INDEX api_tokens_owner_id ON api_tokens (owner_id);
      ALTER TABLE users ADD COLUMN external_id TEXT;
      CREATE UNIQUE INDEX users_external_id ON users (external_id);
    `,
  },
  {
    version: 6,
    name: "events for downstream systems",
    // Written by the use cases in the act's own transaction (domain/events/user-event.ts). The key is the act's
    // audit seq and the event's rank in the act: audit seqs are handed out under the audit head's lock, held
    // to commit, so this key is commit order and the feed's cursor never skips a late commit. No foreign key
    // to users: an erased user's events stay (they hold ids only). events_pruned records how far retention has
    // deleted, so a cursor from before it is told it has a gap rather than silently missing events.
    // The key is the only index: every read walks it (the feed, the webhook cursors, retention, which prunes
    // from the oldest key while the events are old enough); the random event id is unique by its 128 bits
    // and looked up by no query, so an index on it (or on the time) would only tax every act's commit.
    sql: (d) => `
      CREATE TABLE events (
        audit_seq ${d.bigint} NOT NULL,
        ordinal INTEGER NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        user_id TEXT NOT NULL,
        occurred_at ${d.bigint} NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (audit_seq, ordinal)
      )${d.strictTable};
      CREATE TABLE events_pruned (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        audit_seq ${d.bigint} NOT NULL,
        ordinal INTEGER NOT NULL
      )${d.strictTable};
      INSERT INTO events_pruned (id, audit_seq, ordinal) VALUES (1, 0, -1);
    `,
  },
  {
    version: 7,
    name: "webhook endpoints and deliveries",
    // Delivery by signed webhooks (domain/webhooks/). No personal data here: an endpoint is the admin's URL,
    // a delivery names its event by key and its user by id only (payloads stay in `events`). An endpoint's
    // cursor (cursor_seq, cursor_ordinal) is how far the worker has made delivery rows for it, so events that
    // commit while it is down or disabled are never skipped and no use case needs to know endpoints exist.
    // No foreign key from deliveries to events: retention may prune an event first (its delivery then fails).
    // webhook_attempts is the delivery log: every attempt, its status, latency and a cut snippet of the answer;
    // `attempts` on a delivery counts those of its current schedule (a manual redelivery starts a new one).
    sql: (d) => `
      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        description TEXT NOT NULL,
        event_types TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        disabled_reason TEXT,
        secret TEXT NOT NULL,
        previous_secret TEXT,
        previous_secret_until ${d.bigint},
        cursor_seq ${d.bigint} NOT NULL,
        cursor_ordinal INTEGER NOT NULL,
        created_at ${d.bigint} NOT NULL
      )${d.strictTable};
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        audit_seq ${d.bigint} NOT NULL,
        ordinal INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL,
        next_attempt_at ${d.bigint} NOT NULL,
        claimed_until ${d.bigint} NOT NULL,
        last_attempt_at ${d.bigint},
        last_status INTEGER,
        last_latency_ms INTEGER,
        last_error TEXT,
        delivered_at ${d.bigint},
        UNIQUE (endpoint_id, audit_seq, ordinal)
      )${d.strictTable};
      CREATE TABLE webhook_attempts (
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        attempted_at ${d.bigint} NOT NULL,
        http_status INTEGER,
        latency_ms INTEGER NOT NULL,
        error TEXT,
        PRIMARY KEY (delivery_id, attempt)
      )${d.strictTable};
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_user ON webhook_deliveries (endpoint_id, user_id, status, audit_seq, ordinal);
      CREATE INDEX webhook_deliveries_event ON webhook_deliveries (audit_seq, ordinal);
    `,
  },
  {
    version: 8,
    name: "settings every process shares",
    // src/shared-settings.ts: stored by the first process to open the database, changed only by
    // `gatehouse settings set` (audited); values as the environment writes them (whole numbers).
    sql: (d) => `
      CREATE TABLE shared_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at ${d.bigint} NOT NULL
      )${d.strictTable};
    `,
  },
  {
    version: 9,
    name: "account recovery links",
    // docs/recovery.md. One live link per user (UNIQUE user_id: issuing deletes the last one first, in the same
    // transaction); only the secret's SHA-256 is stored. The row goes with its user (ON DELETE CASCADE covers
    // the erasure); deletion, disabling and a scheduled erasure delete it themselves, in their transaction.
    // The issuer is named by kind and id only (an admin's id, or the CLI / the system), never by an address.
    sql: (d) => `
      CREATE TABLE recovery_links (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        expires_at ${d.bigint} NOT NULL,
        issued_by_type TEXT NOT NULL CHECK (issued_by_type IN ('user', 'cli', 'system')),
        issued_by_id TEXT
      )${d.strictTable};
    `,
  },
  {
    version: 10,
    name: "pending sign-ups",
    // docs/recovery.md "Sign-up with e-mail verification": a sign-up waiting for its link to be used (with mail
    // configured, no account exists before that). One per address key (UNIQUE: the newest replaces older ones);
    // only the link secret's SHA-256 and the password's hash are stored. Swept once expired; an erasure deletes
    // the rows for the erased address's key.
    sql: (d) => `
      CREATE TABLE pending_signups (
        id TEXT PRIMARY KEY,
        email_key TEXT NOT NULL UNIQUE,
        email TEXT NOT NULL,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        expires_at ${d.bigint} NOT NULL
      )${d.strictTable};
      CREATE INDEX pending_signups_expires_at ON pending_signups (expires_at);
    `,
  },
  {
    version: 11,
    name: "last sign-in",
    // The admin users list shows and sorts by it. Set only inside a password login's own transaction (the
    // session check never writes it); null for an account that never signed in. It goes with the user row at
    // erasure; SCIM neither reads nor sets it.
    sql: (d) => `
      ALTER TABLE users ADD COLUMN last_login_at ${d.bigint};
    `,
  },
];
