import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * @module
 * A real webhook receiver on loopback: records every request (headers and the body's exact text) and answers
 * what the test tells it (200 unless told otherwise). It can be stopped and started again on the same port,
 * to play a receiver that is down for a while.
 */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Wall-clock time the body was complete (for the commit-to-delivery latency). */
  readonly receivedAt: number;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Answer with the request's own body (a receiver that echoes what it was sent). */
  readonly echo?: boolean;
}

export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  /** Answers used one per request, in turn; when empty, `fallback`. */
  readonly answers: Answer[] = [];
  fallback: Answer = { status: 200, body: "ok" };
  /**
   * While true, requests are recorded but never answered (the connection stays open until stop()): an
   * attempt the sender has in flight, for a suite that kills the sender while it waits.
   */
  hold = false;
  /** Called with each request as soon as it is recorded, before any answer. */
  onRequest: ((request: ReceivedRequest) => void) | null = null;
  #server: Server | null = null;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  get port(): number {
    return this.#port;
  }

  get listening(): boolean {
    return this.#server !== null;
  }

  /** Listens on `port` (a stopped receiver's, to come back where it was), or any free one. */
  async start(port = 0): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const received: ReceivedRequest = {
          method: request.method ?? "",
          path: request.url ?? "",
          headers: request.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          receivedAt: Date.now(),
        };
        this.received.push(received);
        this.onRequest?.(received);
        if (this.hold) return;
        const answer = this.answers.shift() ?? this.fallback;
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.echo === true ? Buffer.concat(chunks) : (answer.body ?? ""));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The webhook-id of each request, in arrival order. */
  ids(): string[] {
    return this.received.map((request) => String(request.headers["webhook-id"]));
  }
}
