import type { FastifyRequest, FastifyServerOptions } from "fastify";
import { canonicalAddress } from "../infra/client-address.ts";

/** pino's own censor, so a redacted URL reads like the redacted cookie header beside it. */
const marker = "[Redacted]";
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A query key that is a parameter name; any other key (`?alice@example.test`) is caller data too. */
const parameterName = /^[A-Za-z_][A-Za-z0-9_-]{0,40}$/;

/**
 * The URL as a request log line may show it (LOG_REQUESTS): what the caller chose is replaced by a marker,
 * so an e-mail address searched for or put in a path (`/api/users/alice@example.test`) never reaches a log
 * that outlives the account's erasure. Kept: the matched route's own segments, in the route's spelling
 * (an encoded alias `/%61pi/...` logs as `/api/...`), and ids (UUIDs), which name a row and nothing else.
 * Every query value is replaced; the keys stay. An unmatched path is all caller-chosen but for its ids.
 */
export function redactedUrl(url: string, route: string | undefined): string {
  const start = url.indexOf("?");
  const path = start === -1 ? url : url.slice(0, start);
  return start === -1
    ? redactedPath(path, route)
    : `${redactedPath(path, route)}?${redactedQuery(url.slice(start + 1))}`;
}

function redactedPath(path: string, route: string | undefined): string {
  const segments = path.split("/");
  const pattern = route?.split("/");
  const aligned = pattern !== undefined && pattern.length === segments.length ? pattern : null;
  return segments
    .map((segment, index) => {
      const own = aligned?.[index];
      if (own !== undefined && !own.includes(":") && !own.includes("*")) return own;
      return segment === "" || uuid.test(segment) ? segment : marker;
    })
    .join("/");
}

function redactedQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const key = equals === -1 ? pair : pair.slice(0, equals);
      const shown = key === "" || parameterName.test(key) ? key : marker;
      return equals === -1 ? shown : `${shown}=${marker}`;
    })
    .join("&");
}

/**
 * The `req` serializer of the logger: Fastify's default fields, with the URL redacted. It runs for every
 * request line, including a request whose URL could not be decoded (it has no matched route then).
 */
function requestLogFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactedUrl(request.url, request.routeOptions.url),
    host: loggableHost(request.host),
    // Behind a proxy this is forwarded text: only a real address is logged, never what a client wrote there.
    remoteAddress: canonicalAddress(request.ip) ?? "[Redacted]",
    remotePort: request.socket?.remotePort,
  };
}

/** A host name or address with an optional port; anything else in Host is caller-chosen text, not logged. */
const hostShape = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function loggableHost(host: string): string {
  return hostShape.test(host) ? host : marker;
}

/** Set by createHttpApp on whatever logger options it is given, so no caller can leave the raw URL in the log. */
export function withRedactedUrls(logger: NonNullable<FastifyServerOptions["logger"]>): FastifyServerOptions["logger"] {
  if (logger === false) return false;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, req: requestLogFields } };
}
