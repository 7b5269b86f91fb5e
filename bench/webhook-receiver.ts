import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One webhook request as it arrived: what the delivery-latency and drain figures are made of. */
export interface Arrival {
  /** The `webhook-id` header: the event's id, the same on every retry (the receiver's idempotency key). */
  readonly id: string;
  /** From the body: the event's type, subject and `timestamp` (the act's time, in ms since the epoch). */
  readonly type: string;
  readonly userId: string;
  readonly occurredAt: number;
  /** This process's clock when the body's last byte arrived. */
  readonly receivedAt: number;
}

/**
 * The bench's webhook receiver: a real node:http server on loopback, in the bench process (its little CPU
 * counts as the load generator's, never as "other processes", so it cannot trip the quiet-machine rule).
 * It answers 200 at once, as a receiver that queues its work would, and records every arrival. Told to go
 * away (`gone`), it answers 410, which makes Gatehouse disable the endpoint (webhook-endpoint.ts in bench/).
 * It does not verify signatures: that is the webhook tests' work; here it would only add CPU to the figures.
 */
export class BenchWebhookReceiver {
  readonly arrivals: Arrival[] = [];
  /** Requests whose body is not an event (should stay 0: listed under the bench's warnings otherwise). */
  malformed = 0;
  gone = false;
  #server: Server | null = null;

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const receivedAt = Date.now();
        const arrival = parseArrival(String(request.headers["webhook-id"]), Buffer.concat(chunks), receivedAt);
        if (arrival === null) this.malformed += 1;
        else this.arrivals.push(arrival);
        response.writeHead(this.gone ? 410 : 200, { "content-type": "text/plain" });
        response.end(this.gone ? "gone" : "ok");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    return this;
  }

  get url(): string {
    if (this.#server === null) throw new Error("the webhook receiver is not started");
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/gatehouse`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function parseArrival(id: string, body: Buffer, receivedAt: number): Arrival | null {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof payload !== "object" || payload === null) return null;
  const { type, timestamp, data } = payload as { type?: unknown; timestamp?: unknown; data?: unknown };
  const userId = typeof data === "object" && data !== null ? (data as { user_id?: unknown }).user_id : undefined;
  const occurredAt = typeof timestamp === "string" ? Date.parse(timestamp) : Number.NaN;
  if (typeof type !== "string" || typeof userId !== "string" || Number.isNaN(occurredAt)) return null;
  return { id, type, userId, occurredAt, receivedAt };
}
