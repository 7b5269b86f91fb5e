import { randomBytes } from "node:crypto";
import type { EventType } from "../domain/events/user-event.ts";
import type { WebhookStore } from "../domain/ports.ts";
import type {
  AttemptLogEntry,
  DeliveryQuery,
  DeliveryRecord,
  DeliveryStatus,
  DueDelivery,
} from "../domain/webhooks/webhook-delivery.ts";
import { type WebhookEndpointRecord, wantsEvent } from "../domain/webhooks/webhook-endpoint.ts";
import type { SqlEngine, SqlExecutor, SqlParam } from "./sql-engine.ts";
import {
  type AttemptRow,
  type DeliveryRow,
  deliveryColumns,
  type EndpointRow,
  endpointColumns,
  nullableNumber,
  toAttempt,
  toDelivery,
  toEndpoint,
} from "./webhook-rows.ts";

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

function toDue(row: ClaimRow): DueDelivery {
  return {
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
  };
}

/**
 * The root store's webhook verbs, for the delivery worker and the delivery log: each write its own short
 * transaction over the engine, each preceded by a plain read so that an idle round opens no write
 * transaction (on SQLite every one waits for the one writer, which the request path needs).
 */
export class SqlWebhookStore implements WebhookStore {
  readonly #engine: SqlEngine;

  constructor(engine: SqlEngine) {
    this.#engine = engine;
  }

  async enqueueDeliveries(now: number, perEndpoint: number): Promise<number> {
    const endpoints = await this.#endpointsBehind();
    if (endpoints.length === 0) return 0;
    return this.#engine.transaction((db) => this.#enqueue(db, endpoints, now, perEndpoint));
  }

  async claimDueDeliveries(now: number, claimUntil: number, limit: number): Promise<DueDelivery[]> {
    if (!(await this.#anyDue(now))) return [];
    return this.#engine.transaction((db) => this.#claim(db, now, claimUntil, limit));
  }

  async takeDueDeliveries(now: number, claimUntil: number, limit: number, perEndpoint: number): Promise<DueDelivery[]> {
    const endpoints = await this.#endpointsBehind();
    if (endpoints.length === 0 && !(await this.#anyDue(now))) return [];
    // One write transaction for the round's bookkeeping: on SQLite every one queues for the writer the
    // requests need, so a busy worker costs them one commit per round, not one per endpoint and one more.
    // Not fsync'd: a power cut that undoes it leaves the cursor and the claims as they were, and the next
    // round makes the same rows and claims again (the events themselves were committed durably by the acts).
    return this.#engine.transaction(
      async (db) => {
        await this.#enqueue(db, endpoints, now, perEndpoint);
        return this.#claim(db, now, claimUntil, limit);
      },
      { durable: false },
    );
  }

  /** The enabled endpoints whose cursor is behind the newest event: a plain read. */
  async #endpointsBehind(): Promise<string[]> {
    const rows = await this.#engine.all<{ id: string }>(
      `SELECT w.id FROM webhook_endpoints w WHERE w.enabled = 1 AND EXISTS (SELECT 1 FROM events v
        WHERE v.audit_seq > w.cursor_seq OR (v.audit_seq = w.cursor_seq AND v.ordinal > w.cursor_ordinal)) ORDER BY w.id`,
    );
    return rows.map((row) => row.id);
  }

  async #anyDue(now: number): Promise<boolean> {
    const row = await this.#engine.get<{ one: number }>(
      `SELECT 1 AS one FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND claimed_until <= ? LIMIT 1`,
      [now, now],
    );
    return row !== undefined;
  }

  /** For each endpoint, delivery rows for the events after its cursor that its filter takes; the cursor moved. */
  async #enqueue(db: SqlExecutor, endpointIds: readonly string[], now: number, perEndpoint: number): Promise<number> {
    let made = 0;
    for (const id of endpointIds) {
      // Locked (PostgreSQL): two instances enqueueing at once take turns; the UNIQUE key would also hold.
      const row = await db.get<EndpointRow & { cursor_seq: number; cursor_ordinal: number }>(
        `SELECT ${endpointColumns}, cursor_seq, cursor_ordinal FROM webhook_endpoints WHERE id = ? AND enabled = 1${this.#engine.dialect.lockRowsSuffix}`,
        [id],
      );
      if (row === undefined) continue;
      const endpoint = toEndpoint(row);
      const seq = Number(row.cursor_seq);
      const ordinal = Number(row.cursor_ordinal);
      const events = await db.all<{ audit_seq: number; ordinal: number; id: string; type: string; user_id: string }>(
        // A row-value comparison seeks the key (event-queries.ts listEvents says why not OR).
        `SELECT audit_seq, ordinal, id, type, user_id FROM events WHERE (audit_seq, ordinal) > (?, ?)
          ORDER BY audit_seq, ordinal LIMIT ?`,
        [seq, ordinal, perEndpoint],
      );
      const last = events.at(-1);
      if (last === undefined) continue;
      for (const event of events) {
        if (!wantsEvent(endpoint, event.type as EventType)) continue;
        made += await db.run(
          `INSERT INTO webhook_deliveries (id, endpoint_id, audit_seq, ordinal, event_id, event_type, user_id, status, attempts, next_attempt_at, claimed_until)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0) ON CONFLICT (endpoint_id, audit_seq, ordinal) DO NOTHING`,
          [
            `whd_${randomBytes(16).toString("base64url")}`,
            id,
            Number(event.audit_seq),
            Number(event.ordinal),
            event.id,
            event.type,
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
    }
    return made;
  }

  async #claim(db: SqlExecutor, now: number, claimUntil: number, limit: number): Promise<DueDelivery[]> {
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
    const claimed: DueDelivery[] = [];
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
      if (row !== undefined) claimed.push(toDue(row));
    }
    return claimed;
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

  async listWebhookDeliveries(endpointId: string, query: DeliveryQuery): Promise<DeliveryRecord[]> {
    const where = ["endpoint_id = ?"];
    const params: SqlParam[] = [endpointId];
    if (query.status !== null) {
      where.push("status = ?");
      params.push(query.status);
    }
    if (query.before !== null) {
      where.push("(audit_seq, ordinal) < (?, ?)");
      params.push(query.before.auditSeq, query.before.ordinal);
    }
    const rows = await this.#engine.all<DeliveryRow>(
      `SELECT ${deliveryColumns} FROM webhook_deliveries WHERE ${where.join(" AND ")}
        ORDER BY audit_seq DESC, ordinal DESC LIMIT ?`,
      [...params, query.limit],
    );
    return rows.map(toDelivery);
  }

  async getWebhookDelivery(
    endpointId: string,
    deliveryId: string,
  ): Promise<{ delivery: DeliveryRecord; attempts: AttemptLogEntry[] } | null> {
    const row = await this.#engine.get<DeliveryRow>(
      `SELECT ${deliveryColumns} FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?`,
      [deliveryId, endpointId],
    );
    if (row === undefined) return null;
    const attempts = await this.#engine.all<AttemptRow>(
      "SELECT attempt, attempted_at, http_status, latency_ms, error FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt",
      [deliveryId],
    );
    return { delivery: toDelivery(row), attempts: attempts.map(toAttempt) };
  }

  async countWebhookDeliveries(endpointId: string): Promise<Record<DeliveryStatus, number>> {
    const rows = await this.#engine.all<{ status: string; n: number }>(
      "SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? GROUP BY status",
      [endpointId],
    );
    const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const row of rows) counts[row.status as DeliveryStatus] = Number(row.n);
    return counts;
  }

  async pruneFinishedDeliveries(limit: number): Promise<number> {
    const mark = await this.#engine.get<{ audit_seq: number; ordinal: number }>(
      "SELECT audit_seq, ordinal FROM events_pruned WHERE id = 1",
    );
    if (mark === undefined) return 0;
    const seq = Number(mark.audit_seq);
    const ordinal = Number(mark.ordinal);
    const doomed = await this.#engine.all<{ id: string }>(
      `SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND (audit_seq, ordinal) <= (?, ?)
        ORDER BY audit_seq, ordinal LIMIT ?`,
      [seq, ordinal, limit],
    );
    if (doomed.length === 0) return 0;
    return this.#engine.transaction(async (db) => {
      let deleted = 0;
      for (const { id } of doomed) {
        deleted += await db.run("DELETE FROM webhook_deliveries WHERE id = ? AND status <> 'pending'", [id]);
      }
      return deleted;
    });
  }
}
