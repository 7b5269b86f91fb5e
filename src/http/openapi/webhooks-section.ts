import { type EventType, eventTypes } from "../../domain/events/user-event.ts";

/**
 * @module
 * The document's OpenAPI 3.1 `webhooks`: what Gatehouse POSTs to a registered endpoint, one entry per event
 * type (docs/events.md), each the `Event` schema the feed answers with its `type` fixed, signed per
 * Standard Webhooks; and `webhook.test`, the "send test event" action's. A receiver's generator reads the
 * same schema the feed is serialized with, so the two cannot disagree.
 */
type Json = Record<string, unknown>;

const whatHappened: Readonly<Record<EventType, string>> = {
  "user.created": "An account was created (sign-up, an admin, the CLI or SCIM).",
  "user.updated": "An account's name, role or status changed; `changed` names the fields.",
  "user.disabled": "An account was disabled: its sessions and tokens ended with it (a sessions.revoked follows).",
  "user.enabled": "A disabled account was enabled again.",
  "user.deletion_scheduled": "An account's deletion was asked with a grace period: it is disabled until erased.",
  "user.restored": "A scheduled deletion was cancelled: the account is back.",
  "user.deleted": "An account was erased. Delete your copy of this user: nothing of them remains in Gatehouse.",
  "sessions.revoked": "A user's sessions (and tokens) ended, with the reason and the counts.",
};

const signatureHeaders: readonly Json[] = [
  {
    name: "webhook-id",
    in: "header",
    required: true,
    description: "The event's `id`: the same on every retry, so the receiver's idempotency key.",
    schema: { type: "string", maxLength: 64 },
  },
  {
    name: "webhook-timestamp",
    in: "header",
    required: true,
    description: "When this attempt was signed, in epoch seconds: refuse it when far from your clock (replays).",
    schema: { type: "string", pattern: "^[0-9]{1,12}$", maxLength: 12 },
  },
  {
    name: "webhook-signature",
    in: "header",
    required: true,
    description:
      "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated; two during a secret rotation's grace period. Verify with the standardwebhooks package (docs/events.md).",
    schema: { type: "string", maxLength: 500 },
  },
];

const answers: Json = {
  "200": { description: "Any 2xx: delivered." },
  "410": { description: "Gone: the endpoint is disabled and nothing more is sent to it." },
  "429": { description: "Tried again after `Retry-After` (at most 10 hours), else on the schedule." },
  "503": { description: "Tried again after `Retry-After` (at most 10 hours), else on the schedule." },
  default: {
    description:
      "Anything else (3xx included: redirects are not followed, and no answer within the timeout) is tried again: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20 %); after the last, the delivery fails and the endpoint is disabled.",
  },
};

function operation(name: string, summary: string, schema: Json): Json {
  return {
    post: {
      operationId: `${name.replace(/[._]([a-z])/g, (_, letter: string) => letter.toUpperCase())}Webhook`,
      summary,
      tags: ["webhooks"],
      security: [],
      parameters: signatureHeaders,
      requestBody: { required: true, content: { "application/json": { schema } } },
      responses: answers,
    },
  };
}

export function webhooksSection(): Json {
  const section: Json = {};
  for (const type of eventTypes) {
    section[type] = operation(type, whatHappened[type], {
      allOf: [{ $ref: "#/components/schemas/Event" }, { properties: { type: { const: type } } }],
    });
  }
  section["webhook.test"] = operation("webhook.test", 'The "send test event" action: not a user event.', {
    type: "object",
    required: ["type", "id", "timestamp", "data"],
    properties: {
      type: { const: "webhook.test" },
      id: { type: "string", maxLength: 64 },
      timestamp: { type: "string", format: "date-time", maxLength: 40 },
      data: {
        type: "object",
        required: ["endpoint_id"],
        properties: { endpoint_id: { type: "string", maxLength: 64 } },
      },
    },
  });
  return section;
}
