import type { BenchClient } from "./http-client.ts";
import type { SeededUser } from "./seed.ts";
import type { SignedIn } from "./sign-in.ts";
import type { SuiteContext } from "./suite-context.ts";
import type { Arrival, BenchWebhookReceiver } from "./webhook-receiver.ts";
import { deleteUser } from "./workloads/w3-deletion.ts";

/**
 * @module
 * A webhook endpoint's life in the bench, every step the real way, over HTTP as an admin: registered with
 * `POST /api/webhooks` (a fresh password login is the step-up), proven live by one deletion whose
 * `user.deleted` must arrive, and retired at the end by the receiver answering 410 Gone to one more
 * deletion's event, which makes Gatehouse's worker disable the endpoint (checked with `GET /api/webhooks`).
 * Retiring it matters: the database outlives the server, and the workloads after this one must run without
 * an endpoint. A 410 rather than `DELETE /api/webhooks/:id`: the deletion needs a password proof younger than
 * the re-authentication window, which a long run outlives, and the 410 proves the worker's disable path too.
 */

/** What a Gatehouse server needs to deliver to the bench's loopback http receiver (docs/settings.md). */
export const webhookServerEnv: NodeJS.ProcessEnv = {
  WEBHOOK_ALLOW_HTTP: "true",
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "true",
};

/** Every wait here is bounded: the worker polls every 250 ms when idle, so this is generous. */
const liveTimeoutMs = 30_000;
const pollMs = 50;

export interface SpareUsers {
  /** Deleted to prove the endpoint live. */
  readonly probe: SeededUser;
  /** Deleted, with the receiver answering 410, to retire it. */
  readonly retire: SeededUser;
}

export interface OpenEndpoint {
  readonly id: string;
}

export async function openEndpoint(
  context: SuiteContext,
  client: BenchClient,
  admin: SignedIn,
  receiver: BenchWebhookReceiver,
  spares: SpareUsers,
): Promise<OpenEndpoint> {
  const created = await client.send("POST", "/api/webhooks", {
    cookie: admin.token,
    csrfToken: admin.csrfToken,
    json: { url: receiver.url, description: "bench loopback receiver" },
  });
  if (created.status !== 201) throw new Error(`registering the webhook endpoint: ${created.status} ${created.body}`);
  const { endpoint } = JSON.parse(created.body) as { endpoint?: { id?: unknown } };
  if (typeof endpoint?.id !== "string") throw new Error(`registering the webhook endpoint: no id in ${created.body}`);
  await deleteOrThrow(client, admin, spares.probe);
  const arrived = await waitUntil(
    () => deletedArrivals(receiver.arrivals, [spares.probe.id]).size === 1,
    liveTimeoutMs,
  );
  if (!arrived) throw new Error(`the webhook endpoint received nothing in ${liveTimeoutMs / 1000} s: not live`);
  context.log(`  webhook endpoint ${endpoint.id} registered at ${receiver.url}; a probe deletion was delivered`);
  return { id: endpoint.id };
}

export async function retireEndpoint(
  context: SuiteContext,
  client: BenchClient,
  admin: SignedIn,
  receiver: BenchWebhookReceiver,
  endpoint: OpenEndpoint,
  spares: SpareUsers,
): Promise<void> {
  receiver.gone = true;
  await deleteOrThrow(client, admin, spares.retire);
  const disabled = await waitUntil(async () => {
    const listed = await client.send("GET", "/api/webhooks", { cookie: admin.token });
    if (listed.status !== 200) throw new Error(`listing the webhook endpoints: ${listed.status} ${listed.body}`);
    const { endpoints } = JSON.parse(listed.body) as { endpoints: { id: string; enabled: boolean }[] };
    return endpoints.some((listedEndpoint) => listedEndpoint.id === endpoint.id && !listedEndpoint.enabled);
  }, liveTimeoutMs);
  if (!disabled) {
    throw new Error(
      `the webhook endpoint ${endpoint.id} is still enabled ${liveTimeoutMs / 1000} s after answering 410: the workloads after it would run with an endpoint`,
    );
  }
  context.log(`  webhook endpoint ${endpoint.id} retired (answered 410 Gone, disabled by the worker)`);
}

/** The first `user.deleted` arrival of each of these users, by user id (later ones are redeliveries). */
export function deletedArrivals(arrivals: readonly Arrival[], userIds: readonly string[]): Map<string, Arrival> {
  const wanted = new Set(userIds);
  const first = new Map<string, Arrival>();
  for (const arrival of arrivals) {
    if (arrival.type !== "user.deleted" || !wanted.has(arrival.userId) || first.has(arrival.userId)) continue;
    first.set(arrival.userId, arrival);
  }
  return first;
}

/** Polls `done` until it holds or `timeoutMs` has passed; says which. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function deleteOrThrow(client: BenchClient, admin: SignedIn, user: SeededUser): Promise<void> {
  const { answer } = await deleteUser(client, admin, user.id);
  if (answer.status !== 200) throw new Error(`deleting ${user.email}: ${answer.status} ${answer.body}`);
}
