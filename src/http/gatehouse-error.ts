/**
 * @module
 * A refusal on its way out of an HTTP handler. The domain returns refusals as values (domain/errors.ts);
 * only the edge throws, so the error carries what only HTTP has: the headers its response must send.
 */
import { type ErrorCode, errorCodes, type Refusal } from "../domain/errors.ts";

/** Thrown by HTTP handlers, hooks and pages; problemFor() turns it into the response's problem. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, detail?: string, headers: Record<string, string> = {}) {
    super(detail ?? errorCodes[code].title);
    this.name = "GatehouseError";
    this.code = code;
    this.status = errorCodes[code].status;
    this.detail = detail;
    this.headers = headers;
  }

  static from(refusal: Refusal): GatehouseError {
    const seconds = refusal.retryAfterSeconds;
    return new GatehouseError(
      refusal.code,
      refusal.detail,
      seconds === undefined ? {} : { "Retry-After": String(seconds) },
    );
  }
}

/** A use case's success, or its refusal thrown: the one way a handler turns a refusal into a response. */
export function unwrap<T extends { ok: true }>(result: T | Refusal): T {
  if (!result.ok) throw GatehouseError.from(result);
  return result;
}
