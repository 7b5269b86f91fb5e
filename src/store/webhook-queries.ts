import type { AttemptRecord, DeliveryRecord, FinishedAttempt } from "../domain/webhooks/webhook-delivery.ts";
import type { EndpointChanges, WebhookEndpointRecord } from "../domain/webhooks/webhook-endpoint.ts";
import type { Dialect, SqlExecutor, SqlParam } from "./sql-engine.ts";
import {
  type DeliveryRow,
  deliveryColumns,
  type EndpointRow,
  endpointColumns,
  toDelivery,
  toEndpoint,
} from "./webhook-rows.ts";

/** The webhook writes made inside a use case's transaction (SqlStoreTx), shared by both engines. */
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

export async function updateWebhookEndpoint(db: SqlExecutor, id: string, changes: EndpointChanges): Promise<void> {
  const sets: string[] = [];
  const params: SqlParam[] = [];
  const set = (column: string, value: SqlParam) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (changes.url !== undefined) set("url", changes.url);
  if (changes.description !== undefined) set("description", changes.description);
  if (changes.eventTypes !== undefined) set("event_types", changes.eventTypes.join(" "));
  if (changes.enabled !== undefined) {
    set("enabled", changes.enabled ? 1 : 0);
    set("disabled_reason", changes.enabled ? null : (changes.disabledReason ?? null));
  }
  if (sets.length === 0) return;
  await db.run(`UPDATE webhook_endpoints SET ${sets.join(", ")} WHERE id = ?`, [...params, id]);
}

export async function deleteWebhookEndpoint(db: SqlExecutor, id: string): Promise<void> {
  // Its deliveries and their attempts go with it (ON DELETE CASCADE; both engines enforce foreign keys).
  await db.run("DELETE FROM webhook_endpoints WHERE id = ?", [id]);
}

export async function finishWebhookAttempt(
  db: SqlExecutor,
  deliveryId: string,
  a: AttemptRecord,
): Promise<FinishedAttempt | null> {
  const delivery = await db.get<{ endpoint_id: string }>("SELECT endpoint_id FROM webhook_deliveries WHERE id = ?", [
    deliveryId,
  ]);
  if (delivery === undefined) return null;
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
  await db.run(
    `INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, http_status, latency_ms, error)
      SELECT ?, COALESCE(MAX(attempt), 0) + 1, ?, ?, ?, ? FROM webhook_attempts WHERE delivery_id = ?`,
    [deliveryId, a.attemptedAt, a.httpStatus, a.latencyMs, a.error, deliveryId],
  );
  const disabled =
    a.disableEndpoint === null
      ? 0
      : await db.run("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ? AND enabled = 1", [
          a.disableEndpoint,
          delivery.endpoint_id,
        ]);
  return { endpointId: delivery.endpoint_id, disabledEndpoint: disabled > 0 };
}

export async function lockWebhookDelivery(
  db: SqlExecutor,
  dialect: Dialect,
  endpointId: string,
  deliveryId: string,
): Promise<DeliveryRecord | null> {
  const row = await db.get<DeliveryRow>(
    `SELECT ${deliveryColumns} FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?${dialect.lockRowsSuffix}`,
    [deliveryId, endpointId],
  );
  return row === undefined ? null : toDelivery(row);
}

export async function redeliverWebhook(db: SqlExecutor, deliveryId: string, now: number): Promise<void> {
  await db.run(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = 0,
        delivered_at = NULL WHERE id = ?`,
    [now, deliveryId],
  );
}
