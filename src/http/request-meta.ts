import type { FastifyRequest } from "fastify";
import type { RequestMeta } from "../domain/actor.ts";
import { addressKey, canonicalAddress } from "../infra/client-address.ts";

export function requestMeta(request: FastifyRequest): RequestMeta {
  const userAgent = request.headers["user-agent"];
  const ip = clientAddress(request);
  return {
    ip,
    network: ip === "" ? "" : addressKey(ip),
    userAgent: typeof userAgent === "string" ? userAgent : "",
    requestId: request.id,
  };
}

/**
 * @module
 * Behind a trusted proxy (TRUST_PROXY) the client address comes from X-Forwarded-For, text the client can
 * choose: "carol@example.test" there would be sealed into the audit log and kept with the session. Only a
 * real address is kept, in its canonical form (no port, no zone, IPv4 unmapped: infra/client-address.ts);
 * anything else falls back to the connection's own (the proxy's).
 */
function clientAddress(request: FastifyRequest): string {
  return canonicalAddress(request.ip) ?? canonicalAddress(request.socket.remoteAddress ?? "") ?? "";
}
