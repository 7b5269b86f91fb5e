/**
 * Versioned migrations, one list per engine. A released migration is never edited: add a new one.
 * Timestamps are milliseconds since the epoch (INTEGER / BIGINT) so that both engines compare them alike.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const genesis = "0".repeat(64);

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "users, sessions, audit log",
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        email_normalized TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        search_text TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL CHECK (role IN ('user', 'admin', 'superuser')),
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        purge_after INTEGER,
        status_before_deletion TEXT
      ) STRICT;
      CREATE INDEX users_purge_after ON users (purge_after) WHERE purge_after IS NOT NULL;
      CREATE INDEX users_active_superusers ON users (id) WHERE role = 'superuser' AND status = 'active';
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        authenticated_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sessions_user_id ON sessions (user_id);
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
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
      ) STRICT;
      CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
      CREATE INDEX audit_log_target ON audit_log (target_id, seq);
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        seal TEXT NOT NULL DEFAULT ''
      ) STRICT;
      INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${genesis}');
    `,
  },
  {
    version: 2,
    name: "sessions swept by last_seen_at",
    // The sweep deletes sessions idle past the limit through this index, a bounded batch at a time. The
    // expires_at index never served a query (the old sweep's OR scanned the whole table) and only cost
    // every session insert, touch-free deletion and erasure one more B-tree to update.
    sql: `
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
    sql: `
      ALTER TABLE audit_log ADD COLUMN note_mac TEXT;
      CREATE TABLE audit_notes (
        seq INTEGER PRIMARY KEY,
        note TEXT NOT NULL,
        search_text TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: "e-mail confusable skeletons",
    // The UTS #39 skeleton of each address (domain/email-skeleton.ts), unique so that a look-alike of an
    // existing account is refused atomically by the same INSERT ... ON CONFLICT DO NOTHING as a taken
    // address, on both engines and under concurrency. NULL is allowed many times: existing accounts get
    // theirs from store/email-backfill.ts at open, and the later of two that already look alike keeps NULL.
    sql: `
      ALTER TABLE users ADD COLUMN email_skeleton TEXT;
      CREATE UNIQUE INDEX users_email_skeleton ON users (email_skeleton);
    `,
  },
];

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "users, sessions, audit log",
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        email_normalized TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        search_text TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL CHECK (role IN ('user', 'admin', 'superuser')),
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        purge_after BIGINT,
        status_before_deletion TEXT
      );
      CREATE INDEX users_purge_after ON users (purge_after) WHERE purge_after IS NOT NULL;
      CREATE INDEX users_active_superusers ON users (id) WHERE role = 'superuser' AND status = 'active';
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        authenticated_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL
      );
      CREATE INDEX sessions_user_id ON sessions (user_id);
      CREATE INDEX sessions_expires_at ON sessions (expires_at);
      CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
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
      );
      CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
      CREATE INDEX audit_log_target ON audit_log (target_id, seq);
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL,
        seal TEXT NOT NULL DEFAULT ''
      );
      INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${genesis}');
    `,
  },
  {
    version: 2,
    name: "sessions swept by last_seen_at",
    // The sweep deletes sessions idle past the limit through this index, a bounded batch at a time. The
    // expires_at index never served a query (the old sweep's OR scanned the whole table) and only cost
    // every session insert, touch-free deletion and erasure one more B-tree to update.
    sql: `
      DROP INDEX sessions_expires_at;
      CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);
    `,
  },
  {
    version: 3,
    name: "audit notes kept apart from the sealed chain",
    // See the SQLite migration 3.
    sql: `
      ALTER TABLE audit_log ADD COLUMN note_mac TEXT;
      CREATE TABLE audit_notes (
        seq BIGINT PRIMARY KEY,
        note TEXT NOT NULL,
        search_text TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: "e-mail confusable skeletons",
    // The UTS #39 skeleton of each address (domain/email-skeleton.ts), unique so that a look-alike of an
    // existing account is refused atomically by the same INSERT ... ON CONFLICT DO NOTHING as a taken
    // address, on both engines and under concurrency. NULL is allowed many times: existing accounts get
    // theirs from store/email-backfill.ts at open, and the later of two that already look alike keeps NULL.
    sql: `
      ALTER TABLE users ADD COLUMN email_skeleton TEXT;
      CREATE UNIQUE INDEX users_email_skeleton ON users (email_skeleton);
    `,
  },
];
