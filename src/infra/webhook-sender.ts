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
 */
export interface SenderSettings {
  readonly timeoutMs: number;
  /** Plain http endpoints (local development, tests). */
  readonly allowHttp: boolean;
  /** Loopback, private and link-local addresses (local development, tests). */
  readonly allowPrivateAddresses: boolean;
}

const snippetBytes = 2_048;

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

export function createWebhookSender(settings: SenderSettings): WebhookSender {
  return {
    send(url, headers, body) {
      return send(settings, url, headers, body);
    },
  };
}

function send(
  settings: SenderSettings,
  target: string,
  headers: Readonly<Record<string, string>>,
  body: string,
): Promise<SendOutcome> {
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
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const request = (secure ? https : http).request(url, {
      method: "POST",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      lookup: checkedLookup(settings.allowPrivateAddresses),
      agent: false,
    });
    const timer = setTimeout(() => finish(failed(`timed out after ${settings.timeoutMs} ms`)), settings.timeoutMs);
    request.on("socket", (socket: Socket) => {
      socket.once("connect", () => {
        const remote = socket.remoteAddress ?? "";
        if (!settings.allowPrivateAddresses && !isPublicAddress(remote)) {
          finish(failed("refused: connected to a non-public address"));
        }
      });
    });
    request.on("error", (error: Error) => {
      finish(failed(error instanceof RefusedAddress ? `refused: ${error.message}` : error.message));
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          kind: "response",
          status: response.statusCode ?? 0,
          retryAfter: typeof response.headers["retry-after"] === "string" ? response.headers["retry-after"] : null,
          snippet: Buffer.concat(chunks).toString("utf8").slice(0, snippetBytes),
          latencyMs: latency(),
        });
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= snippetBytes) done();
      });
      response.on("end", done);
      response.on("error", done);
    });
    request.end(body);
  });
}
