import { randomBytes } from "node:crypto";
import type { EventType } from "../domain/events/user-event.ts";
import type { WebhookStore } from "../domain/ports.ts";
import type {
  AttemptRecord,
  DeliveryRecord,
  DeliveryStatus,
  DueDelivery,
} from "../domain/webhooks/webhook-delivery.ts";
import { type WebhookEndpointRecord, wantsEvent } from "../domain/webhooks/webhook-endpoint.ts";
import type { Dialect, SqlEngine, SqlExecutor } from "./sql-engine.ts";

/** The webhook tables' SQL, shared by both engines (migration 7 explains them). */
const endpointColumns =
  "id, url, description, event_types, enabled, disabled_reason, secret, previous_secret, previous_secret_until, created_at";

interface EndpointRow {
  id: string;
  url: string;
  description: string;
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: number | null;
  created_at: number;
}

function toEndpoint(row: EndpointRow): WebhookEndpointRecord {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    // Only webhook-admin.ts writes this column, with event types it checked.
    eventTypes: row.event_types === "" ? [] : (row.event_types.split(" ") as EventType[]),
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil: row.previous_secret_until === null ? null : Number(row.previous_secret_until),
    createdAt: Number(row.created_at),
  };
}

export async function insertWebhookEndpoint(db: SqlExecutor, e: WebhookEndpointRecord): Promise<void> {
  const newest = await db.get<{ audit_seq: number; ordinal: number }>(
    "SELECT audit_seq, ordinal FROM events ORDER BY audit_seq DESC, ordinal DESC LIMIT 1",
  );
  await db.run(
    `INSERT INTO webhook_endpoints (${endpointColumns}, cursor_seq, cursor_ordinal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      e.id,
      e.url,
      e.description,
      e.eventTypes.join(" "),
      e.enabled ? 1 : 0,
      e.disabledReason,
      e.secret,
      e.previousSecret,
      e.previousSecretUntil,
      e.createdAt,
      newest === undefined ? 0 : Number(newest.audit_seq),
      newest === undefined ? -1 : Number(newest.ordinal),
    ],
  );
}

export async function lockWebhookEndpoint(
  db: SqlExecutor,
  dialect: Dialect,
  id: string,
): Promise<WebhookEndpointRecord | null> {
  const row = await db.get<EndpointRow>(
    `SELECT ${endpointColumns} FROM webhook_endpoints WHERE id = ?${dialect.lockRowsSuffix}`,
    [id],
  );
  return row === undefined ? null : toEndpoint(row);
}

const deliveryColumns =
  "id, endpoint_id, event_id, user_id, audit_seq, ordinal, status, attempts, next_attempt_at, last_attempt_at, last_status, last_latency_ms, last_error, delivered_at";

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  user_id: string;
  audit_seq: number;
  ordinal: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

const nullableNumber = (value: number | null): number | null => (value === null ? null : Number(value));

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    userId: row.user_id,
    auditSeq: Number(row.audit_seq),
    ordinal: Number(row.ordinal),
    // The CHECK constraint admits these three only.
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastAttemptAt: nullableNumber(row.last_attempt_at),
    lastStatus: nullableNumber(row.last_status),
    lastLatencyMs: nullableNumber(row.last_latency_ms),
    lastError: row.last_error,
    deliveredAt: nullableNumber(row.delivered_at),
  };
}

interface ClaimRow {
  id: string;
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: number | null;
  event_id: string;
  attempts: number;
  payload: string | null;
}

/** The root store's webhook verbs: each write its own short transaction over the engine. */
export class SqlWebhookStore implements WebhookStore {
  readonly #engine: SqlEngine;

  constructor(engine: SqlEngine) {
    this.#engine = engine;
  }

  async enqueueDeliveries(now: number, perEndpoint: number): Promise<number> {
    // A plain read first: an idle tick opens no write transaction (on SQLite every one waits for the writer).
    const endpoints = await this.#engine.all<{ id: string }>(
      `SELECT w.id FROM webhook_endpoints w WHERE w.enabled = 1 AND EXISTS (SELECT 1 FROM events v
        WHERE v.audit_seq > w.cursor_seq OR (v.audit_seq = w.cursor_seq AND v.ordinal > w.cursor_ordinal)) ORDER BY w.id`,
    );
    let made = 0;
    for (const { id } of endpoints) {
      made += await this.#engine.transaction(async (db) => {
        // Locked (PostgreSQL): two instances enqueueing at once take turns; the UNIQUE key would also hold.
        const row = await db.get<EndpointRow & { cursor_seq: number; cursor_ordinal: number }>(
          `SELECT ${endpointColumns}, cursor_seq, cursor_ordinal FROM webhook_endpoints WHERE id = ? AND enabled = 1${this.#engine.dialect.lockRowsSuffix}`,
          [id],
        );
        if (row === undefined) return 0;
        const endpoint = toEndpoint(row);
        const seq = Number(row.cursor_seq);
        const ordinal = Number(row.cursor_ordinal);
        const events = await db.all<{ audit_seq: number; ordinal: number; id: string; type: string; user_id: string }>(
          `SELECT audit_seq, ordinal, id, type, user_id FROM events WHERE audit_seq > ? OR (audit_seq = ? AND ordinal > ?)
            ORDER BY audit_seq, ordinal LIMIT ?`,
          [seq, seq, ordinal, perEndpoint],
        );
        const last = events.at(-1);
        if (last === undefined) return 0;
        let inserted = 0;
        for (const event of events) {
          if (!wantsEvent(endpoint, event.type as EventType)) continue;
          inserted += await db.run(
            `INSERT INTO webhook_deliveries (id, endpoint_id, audit_seq, ordinal, event_id, user_id, status, attempts, next_attempt_at, claimed_until)
              VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0) ON CONFLICT (endpoint_id, audit_seq, ordinal) DO NOTHING`,
            [
              `whd_${randomBytes(16).toString("base64url")}`,
              id,
              Number(event.audit_seq),
              Number(event.ordinal),
              event.id,
              event.user_id,
              now,
            ],
          );
        }
        await db.run("UPDATE webhook_endpoints SET cursor_seq = ?, cursor_ordinal = ? WHERE id = ?", [
          Number(last.audit_seq),
          Number(last.ordinal),
          id,
        ]);
        return inserted;
      });
    }
    return made;
  }

  async claimDueDeliveries(now: number, claimUntil: number, limit: number): Promise<DueDelivery[]> {
    const rows = await this.#engine.transaction(async (db) => {
      // In order per user: a delivery waits while an earlier one of the same user to the same endpoint is
      // pending (claimed or not), so a receiver never sees a user's events out of order.
      const due = await db.all<{ id: string }>(
        `SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.claimed_until <= ? AND e.enabled = 1
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
              WHERE p.endpoint_id = d.endpoint_id AND p.user_id = d.user_id AND p.status = 'pending'
                AND (p.audit_seq < d.audit_seq OR (p.audit_seq = d.audit_seq AND p.ordinal < d.ordinal)))
          ORDER BY d.audit_seq, d.ordinal LIMIT ?${this.#engine.dialect.claimRowsSuffix}`,
        [now, now, limit],
      );
      const claimed: ClaimRow[] = [];
      for (const { id } of due) {
        const changed = await db.run(
          "UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ? AND status = 'pending' AND claimed_until <= ?",
          [claimUntil, id, now],
        );
        if (changed === 0) continue;
        const row = await db.get<ClaimRow>(
          `SELECT d.id, d.endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_until, d.event_id,
              d.attempts, v.payload
            FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
              LEFT JOIN events v ON v.audit_seq = d.audit_seq AND v.ordinal = d.ordinal
            WHERE d.id = ?`,
          [id],
        );
        if (row !== undefined) claimed.push(row);
      }
      return claimed;
    });
    return rows.map((row) => ({
      id: row.id,
      endpoint: {
        id: row.endpoint_id,
        url: row.url,
        secret: row.secret,
        previousSecret: row.previous_secret,
        previousSecretUntil: nullableNumber(row.previous_secret_until),
      },
      eventId: row.event_id,
      attempts: Number(row.attempts),
      payload: row.payload,
    }));
  }

  async finishAttempt(deliveryId: string, a: AttemptRecord): Promise<void> {
    await this.#engine.transaction(async (db) => {
      await db.run(
        `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, claimed_until = 0,
            last_attempt_at = ?, last_status = ?, last_latency_ms = ?, last_error = ?, delivered_at = ?
          WHERE id = ?`,
        [
          a.status,
          a.nextAttemptAt,
          a.attemptedAt,
          a.httpStatus,
          a.latencyMs,
          a.error,
          a.status === "delivered" ? a.attemptedAt : null,
          deliveryId,
        ],
      );
      if (a.disableEndpoint !== null) {
        await db.run(
          `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?
            WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?) AND enabled = 1`,
          [a.disableEndpoint, deliveryId],
        );
      }
    });
  }

  async listWebhookEndpoints(): Promise<WebhookEndpointRecord[]> {
    const rows = await this.#engine.all<EndpointRow>(
      `SELECT ${endpointColumns} FROM webhook_endpoints ORDER BY created_at, id`,
    );
    return rows.map(toEndpoint);
  }

  async getWebhookEndpoint(id: string): Promise<WebhookEndpointRecord | null> {
    const row = await this.#engine.get<EndpointRow>(`SELECT ${endpointColumns} FROM webhook_endpoints WHERE id = ?`, [
      id,
    ]);
    return row === undefined ? null : toEndpoint(row);
  }

  async listWebhookDeliveries(endpointId: string, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.#engine.all<DeliveryRow>(
      `SELECT ${deliveryColumns} FROM webhook_deliveries WHERE endpoint_id = ?
        ORDER BY audit_seq DESC, ordinal DESC LIMIT ?`,
      [endpointId, limit],
    );
    return rows.map(toDelivery);
  }
}
