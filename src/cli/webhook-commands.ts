import { type Command, InvalidArgumentError, Option } from "commander";
import { noRequest } from "../domain/actor.ts";
import type { Deps } from "../domain/deps.ts";
import { refuse } from "../domain/errors.ts";
import { type EventType, eventTypes } from "../domain/events/user-event.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  rotationGraceMaxMs,
  updateWebhookEndpoint,
} from "../domain/webhooks/webhook-admin.ts";
import type { DeliveryStatus } from "../domain/webhooks/webhook-delivery.ts";
import type { EndpointUpdateInput, WebhookEndpointView } from "../domain/webhooks/webhook-fields.ts";
import { type DeliveryView, listWebhookDeliveries, redeliverWebhook } from "../domain/webhooks/webhook-log.ts";
import { sendTestEvent } from "../domain/webhooks/webhook-test-event.ts";
import { answer, answerList, type CliContext, cliActor, fail } from "./cli-context.ts";
import { confirmOrStop } from "./confirm.ts";
import { printable } from "./token-commands.ts";

/**
 * @module
 * `gatehouse webhooks …`: webhook endpoints at the command line, through the same use cases as the API and
 * the pages, as actor `cli` (which needs no step-up: the operator has the database already). A signing
 * secret is printed once, by `create` and `rotate-secret`, and never again. Text an admin or a receiver
 * chose (URL, description, reason, an answer's snippet) is printed through `printable`, so no escape
 * sequence or bidi override reaches the terminal.
 */
const hourMs = 3_600_000;
const deliveryStatuses = ["pending", "delivered", "failed"] as const;

function wholeNumber(what: string) {
  return (value: string): number => {
    if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError(`Expected a whole number of ${what}.`);
    return Number(value);
  };
}

const eventsText = (types: readonly EventType[]) => (types.length === 0 ? "all events" : types.join(","));

const statusText = (endpoint: WebhookEndpointView) =>
  endpoint.enabled ? "enabled" : `disabled (${printable(endpoint.disabledReason ?? "no reason given")})`;

function endpointLine(endpoint: WebhookEndpointView): string {
  const description = endpoint.description === "" ? "" : `\t${printable(endpoint.description)}`;
  return `${endpoint.id}\t${printable(endpoint.url)}\t${statusText(endpoint)}\tevents=${eventsText(endpoint.eventTypes)}\tcreated=${endpoint.createdAt}${description}`;
}

function deliveryLine(delivery: DeliveryView): string {
  const last =
    delivery.lastAttemptAt === null
      ? "not-tried"
      : `last=${delivery.lastStatus === null ? "no-answer" : `HTTP ${delivery.lastStatus}`} ${delivery.lastLatencyMs ?? 0}ms`;
  const next = delivery.inFlight
    ? "\tbeing-sent"
    : delivery.nextAttemptAt === null
      ? ""
      : `\tnext=${delivery.nextAttemptAt}`;
  const error = delivery.lastError === null ? "" : `\t${printable(delivery.lastError)}`;
  return `${delivery.id}\t${delivery.eventType}\tuser=${delivery.userId}\t${delivery.status}\tattempts=${delivery.attempts}\t${last}${next}${error}`;
}

/** What deleting an endpoint drops, for the person asked. */
async function deletionPlan(deps: Deps, id: string): Promise<string[]> {
  const read = await getWebhookEndpoint(deps, cliActor, id, noRequest);
  if (!read.ok) fail(read);
  const pending = read.deliveryCounts.pending;
  return [
    `Deleting webhook endpoint ${read.endpoint.id} (${printable(read.endpoint.url)}) with its delivery log: ${pending} pending deliveries are dropped.`,
  ];
}

export function registerWebhookCommands(program: Command, ctx: CliContext): void {
  const webhooks = program.command("webhooks").description("manage webhook endpoints (docs/events.md)");
  const eventOption = () =>
    new Option("--event <type...>", "an event type it receives; repeat for several (default: all)").choices(eventTypes);

  webhooks
    .command("create")
    .description("add a webhook endpoint; prints its id, then the signing secret, which is never shown again")
    .requiredOption("--url <url>", "where the events are POSTed (https unless WEBHOOK_ALLOW_HTTP)")
    .option("--description <text>", "what the receiver is (at most 200 characters)")
    .addOption(eventOption())
    .action((options: { url: string; description?: string; event?: EventType[] }) =>
      ctx.withDeps(async (deps) => {
        const input = {
          url: options.url,
          ...(options.description === undefined ? {} : { description: options.description }),
          eventTypes: options.event ?? [],
        };
        const result = await createWebhookEndpoint(deps, cliActor, input, noRequest);
        if (!result.ok) fail(result);
        const { endpoint } = result;
        answer(
          ctx,
          [
            `Created webhook endpoint ${endpoint.id} for ${printable(endpoint.url)} (${eventsText(endpoint.eventTypes)}).`,
            "The signing secret, shown only this once:",
            result.secret,
          ],
          { endpoint, secret: result.secret },
        );
      }),
    );

  webhooks
    .command("list")
    .description("list the webhook endpoints (id, URL, status, events, created, description; never a secret)")
    .action(() =>
      ctx.withDeps(async (deps) => {
        const result = await listWebhookEndpoints(deps, cliActor, noRequest);
        if (!result.ok) fail(result);
        answerList(ctx, result.endpoints, endpointLine, (endpoint) => endpoint, "No webhook endpoints.");
      }),
    );

  webhooks
    .command("show <id>")
    .description("one webhook endpoint and how many of its deliveries are pending, delivered and failed")
    .action((id: string) =>
      ctx.withDeps(async (deps) => {
        const result = await getWebhookEndpoint(deps, cliActor, id, noRequest);
        if (!result.ok) fail(result);
        const { endpoint, deliveryCounts: counts } = result;
        answer(
          ctx,
          [
            `Webhook endpoint ${endpoint.id}`,
            `  URL: ${printable(endpoint.url)}`,
            `  Description: ${endpoint.description === "" ? "none" : printable(endpoint.description)}`,
            `  Events: ${eventsText(endpoint.eventTypes)}`,
            `  Status: ${statusText(endpoint)}`,
            `  Created: ${endpoint.createdAt}`,
            ...(endpoint.previousSecretUntil === null
              ? []
              : [`  The previous secret signs too until ${endpoint.previousSecretUntil}.`]),
            `  Deliveries: ${counts.pending} pending, ${counts.delivered} delivered, ${counts.failed} failed.`,
          ],
          { endpoint, deliveryCounts: counts },
        );
      }),
    );

  webhooks
    .command("update <id>")
    .description("change an endpoint's URL, description or event filter")
    .option("--url <url>", "a new URL")
    .option("--description <text>", 'a new description ("" clears it)')
    .addOption(eventOption().conflicts("allEvents"))
    .option("--all-events", "receive every event type (clears the filter)")
    .action((id: string, options: { url?: string; description?: string; event?: EventType[]; allEvents?: true }) =>
      ctx.withDeps(async (deps) => {
        const input: EndpointUpdateInput = {
          ...(options.url === undefined ? {} : { url: options.url }),
          ...(options.description === undefined ? {} : { description: options.description }),
          ...(options.event !== undefined
            ? { eventTypes: options.event }
            : options.allEvents
              ? { eventTypes: [] }
              : {}),
        };
        if (Object.keys(input).length === 0) {
          fail(refuse("VALIDATION_FAILED", "Nothing to change: give --url, --description, --event or --all-events."));
        }
        const result = await updateWebhookEndpoint(deps, cliActor, id, input, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          result.changed.length === 0
            ? `Nothing changed on ${result.endpoint.id}: it already had those values.`
            : `Updated ${result.endpoint.id}: ${result.changed.join(", ")} changed.`,
          { endpoint: result.endpoint, changed: result.changed },
        );
      }),
    );

  webhooks
    .command("disable <id>")
    .description("stop sending to an endpoint (enabling it later delivers what committed meanwhile)")
    .option("--reason <text>", "why: shown on the endpoint and kept in the audit log (at most 200 characters)")
    .action((id: string, options: { reason?: string }) =>
      ctx.withDeps(async (deps) => {
        const input = { enabled: false, ...(options.reason === undefined ? {} : { reason: options.reason }) };
        const result = await updateWebhookEndpoint(deps, cliActor, id, input, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          result.changed.length === 0
            ? `${result.endpoint.id} was already disabled: ${statusText(result.endpoint)}.`
            : `Disabled ${result.endpoint.id}: nothing is sent to it until it is enabled.`,
          { endpoint: result.endpoint, changed: result.changed },
        );
      }),
    );

  webhooks
    .command("enable <id>")
    .description("resume sending to an endpoint, from where it stopped")
    .action((id: string) =>
      ctx.withDeps(async (deps) => {
        const result = await updateWebhookEndpoint(deps, cliActor, id, { enabled: true }, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          result.changed.length === 0
            ? `${result.endpoint.id} was already enabled.`
            : `Enabled ${result.endpoint.id}: it resumes where it stopped; what committed while it was disabled is delivered now, as far as retention kept it.`,
          { endpoint: result.endpoint, changed: result.changed },
        );
      }),
    );

  webhooks
    .command("rotate-secret <id>")
    .description("a new signing secret, printed once; the previous one keeps signing for a grace period")
    .addOption(
      new Option(
        "--grace-hours <hours>",
        `how long the previous secret signs too (default 24, at most ${rotationGraceMaxMs / hourMs}; 0 after a leak)`,
      ).argParser(wholeNumber("hours")),
    )
    .action((id: string, options: { graceHours?: number }) =>
      ctx.withDeps(async (deps) => {
        const graceMs = options.graceHours === undefined ? undefined : options.graceHours * hourMs;
        const result = await rotateWebhookSecret(deps, cliActor, id, noRequest, graceMs);
        if (!result.ok) fail(result);
        const until = result.endpoint.previousSecretUntil;
        answer(
          ctx,
          [
            until === null
              ? `Rotated the signing secret of ${result.endpoint.id}; the previous one no longer signs.`
              : `Rotated the signing secret of ${result.endpoint.id}; the previous one signs too until ${until}.`,
            "The new signing secret, shown only this once:",
            result.secret,
          ],
          { endpoint: result.endpoint, secret: result.secret },
        );
      }),
    );

  webhooks
    .command("test <id>")
    .description("POST a signed webhook.test event to the endpoint now and print the answer (exit 1 if not delivered)")
    .action((id: string) =>
      ctx.withDeps(async (deps) => {
        const result = await sendTestEvent(deps, cliActor, id, noRequest);
        if (!result.ok) fail(result);
        const { outcome } = result;
        const reply = outcome.httpStatus === null ? "no answer" : `HTTP ${outcome.httpStatus}`;
        const detail = outcome.error === null ? "" : `: ${printable(outcome.error)}`;
        answer(
          ctx,
          `Test event ${outcome.eventId} ${outcome.delivered ? "delivered" : "not delivered"}: ${reply} after ${outcome.latencyMs} ms${detail}.`,
          outcome,
        );
        if (!outcome.delivered) ctx.exitCode = 1;
      }),
    );

  webhooks
    .command("deliveries <id>")
    .description("an endpoint's delivery log, newest first (id, event type, user, status, attempts, last answer)")
    .addOption(new Option("--status <status>", "only this status").choices(deliveryStatuses))
    .addOption(new Option("--limit <n>", "how many (1 to 100, default 50)").argParser(wholeNumber("deliveries")))
    .option("--before <position>", "the page of older deliveries, as the previous page named it")
    .action((id: string, options: { status?: DeliveryStatus; limit?: number; before?: string }) =>
      ctx.withDeps(async (deps) => {
        const query = {
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
          ...(options.before === undefined ? {} : { before: options.before }),
        };
        const result = await listWebhookDeliveries(deps, cliActor, id, query, noRequest);
        if (!result.ok) fail(result);
        answerList(ctx, result.deliveries, deliveryLine, (delivery) => delivery, "No deliveries.");
        if (result.nextBefore !== null && !ctx.json()) {
          ctx.io.stdout.write(`Older deliveries: add --before ${result.nextBefore}\n`);
        }
      }),
    );

  webhooks
    .command("redeliver <id> <delivery-id>")
    .description("send a delivery again (same webhook-id) on a fresh retry schedule; the server's worker sends it")
    .action((id: string, deliveryId: string) =>
      ctx.withDeps(async (deps) => {
        const result = await redeliverWebhook(deps, cliActor, id, deliveryId, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          `Delivery ${result.delivery.id} (event ${result.delivery.eventId}) is due again now, on a fresh retry schedule.`,
          result.delivery,
        );
      }),
    );

  webhooks
    .command("delete <id>")
    .description("delete an endpoint with its delivery log; its pending deliveries are dropped")
    .option("--yes", "do not ask for confirmation (needed without a terminal)")
    .action((id: string, options: { yes?: true }) =>
      ctx.withDeps(async (deps) => {
        if (options.yes !== true) {
          // Read only to show a person what goes: without a terminal the gate stops before any read.
          const plan = ctx.io.isTTY ? await deletionPlan(deps, id) : [];
          await confirmOrStop(ctx, { yes: false, plan, act: "delete the endpoint" });
        }
        const result = await deleteWebhookEndpoint(deps, cliActor, id, noRequest);
        if (!result.ok) fail(result);
        answer(
          ctx,
          `Deleted webhook endpoint ${result.deleted}; ${result.pendingDropped} pending deliveries dropped.`,
          {
            deleted: result.deleted,
            pendingDropped: result.pendingDropped,
          },
        );
      }),
    );
}
