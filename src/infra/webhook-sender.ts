import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction, type Socket } from "node:net";
import type { WebhookSender } from "../domain/ports.ts";
import type { SendOutcome } from "../domain/webhooks/webhook-delivery.ts";
import { isPublicAddress } from "./address-policy.ts";

/**
 * @module
 * One POST to a webhook endpoint, with the SSRF rules applied at delivery time (docs/events.md): the name is
 * resolved, every address it resolves to is checked, and the connection goes to a checked address (the
 * lookup below is the one the socket uses, so a DNS answer that changes between check and connect — a
 * rebinding — cannot slip past); the address actually connected to is checked again. Host and TLS SNI stay
 * the URL's. Redirects are never followed (node:http does not), the answer's body is read only up to a
 * snippet, and the whole exchange is bounded by the timeout.
 *
 * Connections are kept alive between attempts to the same host and port (a busy worker sends a round's
 * deliveries to one endpoint back to back; a new TCP and TLS handshake for each cost the server process more
 * than the rest of the attempt). The checks above run for every new connection, which is the only time an
 * address is chosen; a kept connection goes on to the address it was checked for. An answer read only in
 * part, an error and a timeout destroy the connection. A kept connection the endpoint closed while idle
 * (the race every keep-alive client has) is retried once on a new one.
 */
export interface SenderSettings {
  readonly timeoutMs: number;
  /** Plain http endpoints (local development, tests). */
  readonly allowHttp: boolean;
  /** Loopback, private and link-local addresses (local development, tests). */
  readonly allowPrivateAddresses: boolean;
}

const snippetBytes = 2_048;

/** Kept connections per host and port, and how long one may idle (under the 5 s most servers keep them). */
const socketsPerHost = 8;
const idleSocketMs = 4_000;

class RefusedAddress extends Error {}

function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) return callback(error, "", 0);
      // Every answer is checked, not only the one tried first: a name with one public and one private
      // address is refused.
      const refused = addresses.find((a) => !allowPrivate && !isPublicAddress(a.address));
      if (refused !== undefined) {
        return callback(new RefusedAddress(`${hostname} resolves to a non-public address`), "", 0);
      }
      const first = addresses[0];
      if (first === undefined) return callback(new Error(`${hostname} has no address`), "", 0);
      if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, first.address, first.family);
    });
  };
}

interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

export function createWebhookSender(settings: SenderSettings): WebhookSender {
  const kept = { keepAlive: true, maxSockets: socketsPerHost, maxFreeSockets: socketsPerHost, timeout: idleSocketMs };
  const agents: Agents = { http: new http.Agent(kept), https: new https.Agent(kept) };
  return {
    async send(url, headers, body) {
      const outcome = await send(settings, agents, url, headers, body);
      if (outcome === "stale-connection") {
        const again = await send(settings, null, url, headers, body);
        return again === "stale-connection" ? staleFailure : again;
      }
      return outcome;
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

const staleFailure: SendOutcome = { kind: "error", error: "the connection was reset", latencyMs: 0 };

function send(
  settings: SenderSettings,
  agents: Agents | null,
  target: string,
  headers: Readonly<Record<string, string>>,
  body: string,
): Promise<SendOutcome | "stale-connection"> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const failed = (error: string): SendOutcome => ({ kind: "error", error, latencyMs: latency() });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve(failed("the endpoint URL is not valid"));
  }
  const secure = url.protocol === "https:";
  if (!secure && !(settings.allowHttp && url.protocol === "http:")) {
    return Promise.resolve(failed("refused: the endpoint URL is not https (WEBHOOK_ALLOW_HTTP is off)"));
  }
  const literal = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // An address in the URL is never looked up, so it is checked here (and again once connected).
  if (isIP(literal) !== 0 && !settings.allowPrivateAddresses && !isPublicAddress(literal)) {
    return Promise.resolve(failed("refused: the endpoint's address is not public"));
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: SendOutcome | "stale-connection", keepConnection = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!keepConnection) request.destroy();
      resolve(outcome);
    };
    const request = (secure ? https : http).request(url, {
      method: "POST",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      lookup: checkedLookup(settings.allowPrivateAddresses),
      agent: agents === null ? false : secure ? agents.https : agents.http,
    });
    const timer = setTimeout(() => finish(failed(`timed out after ${settings.timeoutMs} ms`)), settings.timeoutMs);
    request.on("socket", (socket: Socket) => {
      const checkRemote = () => {
        const remote = socket.remoteAddress ?? "";
        if (!settings.allowPrivateAddresses && !isPublicAddress(remote)) {
          finish(failed("refused: connected to a non-public address"));
        }
      };
      // A kept connection was checked when it connected; checking it again costs nothing.
      if (socket.connecting) socket.once("connect", checkRemote);
      else checkRemote();
    });
    request.on("error", (error: Error & { code?: string }) => {
      const stale = request.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");
      if (stale) return finish("stale-connection");
      finish(failed(error instanceof RefusedAddress ? `refused: ${error.message}` : error.message));
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (complete: boolean) =>
        finish(
          {
            kind: "response",
            status: response.statusCode ?? 0,
            retryAfter: typeof response.headers["retry-after"] === "string" ? response.headers["retry-after"] : null,
            snippet: Buffer.concat(chunks).toString("utf8").slice(0, snippetBytes),
            latencyMs: latency(),
          },
          complete,
        );
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // The rest of a long answer is not read: the connection is closed rather than drained.
        if (size >= snippetBytes) done(false);
      });
      response.on("end", () => done(true));
      response.on("error", () => done(false));
    });
    request.end(body);
  });
}
