import { isIP } from "node:net";
import type { FastifyRequest } from "fastify";
import type { RequestMeta } from "../domain/context.ts";

export function requestMeta(request: FastifyRequest): RequestMeta {
  const userAgent = request.headers["user-agent"];
  return {
    ip: clientAddress(request),
    userAgent: typeof userAgent === "string" ? userAgent : "",
    requestId: request.id,
  };
}

/**
 * Behind a trusted proxy (TRUST_PROXY) the client address comes from X-Forwarded-For, text the client can
 * choose: "carol@example.test" there would be sealed into the audit log and kept with the session. Only a
 * real address is kept; anything else falls back to the connection's own (the proxy's).
 */
function clientAddress(request: FastifyRequest): string {
  if (isIP(request.ip) !== 0) return request.ip;
  const peer = request.socket.remoteAddress;
  return peer !== undefined && isIP(peer) !== 0 ? peer : "";
}
