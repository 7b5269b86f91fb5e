import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { type ErrorCode, errorCodes } from "../domain/errors.ts";
import { GatehouseError } from "./gatehouse-error.ts";

/**
 * RFC 9457 problem details with a stable `code` member. Every error leaves through here: known refusals
 * render themselves; framework errors are mapped by status to our codes; anything else is logged with the
 * request id and becomes a bare 500 with no stack trace, SQL or message from inside.
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly { path: string; message: string }[];
}

export function problemType(code: ErrorCode): string {
  return `urn:gatehouse:problem:${code.toLowerCase().replaceAll("_", "-")}`;
}

export function toProblem(
  code: ErrorCode,
  detail: string | undefined,
  requestId: string,
  errors?: Problem["errors"],
): Problem {
  const { status, title } = errorCodes[code];
  return {
    type: problemType(code),
    title,
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    instance: `urn:gatehouse:request:${requestId}`,
    ...(errors === undefined ? {} : { errors }),
  };
}

export function sendProblem(
  reply: FastifyReply,
  code: ErrorCode,
  detail?: string,
  errors?: Problem["errors"],
): FastifyReply {
  const problem = toProblem(code, detail, reply.request.id, errors);
  return reply.code(problem.status).type("application/problem+json; charset=utf-8").send(problem);
}

/** Framework errors (body parsing, limits, rate limiting) by their status. */
const codeByStatus: Readonly<Record<number, ErrorCode>> = {
  400: "MALFORMED_BODY",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof GatehouseError) {
      reply.headers(error.headers);
      return sendProblem(reply, error.code, error.detail);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((issue) => ({
        path: `${error.validationContext ?? "body"}${issue.instancePath.replaceAll("/", ".")}`,
        message: issue.message ?? "is not valid",
      }));
      return sendProblem(reply, "VALIDATION_FAILED", undefined, errors);
    }
    const status = error.statusCode ?? 500;
    const code = codeByStatus[status];
    if (status < 500 && code !== undefined) return sendProblem(reply, code);
    if (status < 500) return sendProblem(reply, status === 401 ? "UNAUTHENTICATED" : "VALIDATION_FAILED");
    request.log.error({ err: error }, "request failed");
    return sendProblem(reply, "INTERNAL");
  });
}
