/**
 * @module
 * What a thrown error becomes: the one mapping from refusal, validation error, framework error or fault to
 * a problem code. The API renders it as problem+json (problem.ts), the pages as an error page
 * (web/error-page.ts), so the two can never disagree on a code.
 */
import type { FastifyError, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { ErrorCode } from "../domain/errors.ts";
import { GatehouseError } from "./gatehouse-error.ts";

export interface ErrorProblem {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  /** Sent with the answer whichever renderer writes it (Retry-After for RATE_LIMITED). */
  readonly headers: Readonly<Record<string, string>>;
  /** For VALIDATION_FAILED from a schema: each value that failed, by its path. */
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
}

/**
 * Framework errors (body parsing, limits, rate limiting) by their status. Any other client error is
 * VALIDATION_FAILED, "the request is not valid", as the HTTP parser's refusals are (client-error.ts):
 * MALFORMED_BODY names only a body that did not parse.
 */
const codeByStatus: Readonly<Record<number, ErrorCode>> = {
  400: "MALFORMED_BODY",
  401: "UNAUTHENTICATED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Known errors say what they are; anything else is a fault, logged here with the request id and answered
 * as a bare INTERNAL: no message, stack or SQL from inside reaches either renderer.
 */
export function problemFor(error: FastifyError, request: FastifyRequest): ErrorProblem {
  if (error instanceof GatehouseError) return { code: error.code, detail: error.detail, headers: error.headers };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((issue) => ({
      path: `${error.validationContext ?? "body"}${issue.instancePath.replaceAll("/", ".")}`,
      message: issue.message ?? "is not valid",
    }));
    return { code: "VALIDATION_FAILED", detail: undefined, headers: noHeaders, errors };
  }
  const status = error.statusCode ?? 500;
  if (status < 500) return { code: codeByStatus[status] ?? "VALIDATION_FAILED", detail: undefined, headers: noHeaders };
  request.log.error({ err: error }, "request failed");
  return { code: "INTERNAL", detail: undefined, headers: noHeaders };
}
