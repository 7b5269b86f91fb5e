import { Agent, request } from "node:http";

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly setCookie: readonly string[];
  /** Client-side wall time from sending the request to the last byte of the answer. */
  readonly ms: number;
}

export interface Sent {
  readonly cookie?: string;
  readonly csrfToken?: string;
  readonly json?: unknown;
}

const requestTimeoutMs = 60_000;

/**
 * A keep-alive HTTP client for the request-by-request workloads (sign-in, deletions, cookie replays).
 * Unsafe requests carry what a same-origin browser sends (Origin, Sec-Fetch-Site and the session's
 * anti-forgery token), so they pass the CSRF defence as a real admin page's requests would.
 */
export class BenchClient {
  readonly #agent: Agent;
  readonly #url: URL;

  constructor(
    baseUrl: string,
    readonly cookieName: string,
    maxSockets = 64,
  ) {
    this.#url = new URL(baseUrl);
    this.#agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: "GET" | "POST" | "DELETE", path: string, sent: Sent = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (sent.cookie !== undefined) headers.cookie = `${this.cookieName}=${sent.cookie}`;
    if (method !== "GET") {
      headers.origin = this.#url.origin;
      headers["sec-fetch-site"] = "same-origin";
      if (sent.csrfToken !== undefined) headers["x-csrf-token"] = sent.csrfToken;
    }
    const body = sent.json === undefined ? undefined : JSON.stringify(sent.json);
    if (body !== undefined) headers["content-type"] = "application/json";
    return new Promise((resolve, reject) => {
      const startedAt = process.hrtime.bigint();
      const outgoing = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          method,
          path,
          headers,
          agent: this.#agent,
          timeout: requestTimeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              setCookie: response.headers["set-cookie"] ?? [],
              ms: Number(process.hrtime.bigint() - startedAt) / 1e6,
            }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("timeout", () =>
        outgoing.destroy(new Error(`${method} ${path}: no answer in ${requestTimeoutMs} ms`)),
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
