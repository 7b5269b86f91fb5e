import type { FastifyRequest } from "fastify";
import { GatehouseError } from "./gatehouse-error.ts";
import { unsafeMethods } from "./unsafe-methods.ts";

/**
 * @module
 * Unsafe API requests carry JSON or nothing. A form-encoded, multipart or text/plain body, the shapes a
 * cross-site form can send without a CORS preflight, is refused with 415 before any handler runs.
 */
export function requireJsonBody(request: FastifyRequest): void {
  if (!unsafeMethods.has(request.method)) return;
  const type = request.headers["content-type"];
  const hasBody =
    request.headers["transfer-encoding"] !== undefined ||
    (request.headers["content-length"] !== undefined && request.headers["content-length"] !== "0");
  if (type === undefined ? hasBody : !/^application\/json\s*(;|$)/i.test(type)) {
    throw new GatehouseError("UNSUPPORTED_MEDIA_TYPE");
  }
}
