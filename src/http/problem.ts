import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, errorCodes } from "../domain/errors.ts";
import { bearerChallenge } from "./bearer-auth.ts";
import { type ErrorProblem, problemFor } from "./problem-for.ts";

/**
 * @module
 * RFC 9457 problem details with a stable `code` member. Every API error leaves through here, with the code
 * problemFor() gives it (the pages render the same code as an error page).
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: ErrorProblem["errors"];
}

export function problemType(code: ErrorCode): string {
  return `urn:gatehouse:problem:${code.toLowerCase().replaceAll("_", "-")}`;
}

/**
 * A problem's bounds, as its schema states them (openapi/route-answers.ts). A schema's messages can quote
 * what the request sent (zod names an unrecognized key), so the text is cut here, where every problem is
 * made: no request can make a problem its own schema refuses, which would be a 500 instead of its 400.
 */
export const problemBounds = { detail: 1000, errors: 100, errorText: 500 } as const;

function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
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
    ...(detail === undefined ? {} : { detail: bounded(detail, problemBounds.detail) }),
    instance: `urn:gatehouse:request:${requestId}`,
    ...(errors === undefined
      ? {}
      : {
          errors: errors.slice(0, problemBounds.errors).map((error) => ({
            path: bounded(error.path, problemBounds.errorText),
            message: bounded(error.message, problemBounds.errorText),
          })),
        }),
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

/** The API's error handler: every error that leaves an API route, as problem+json. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = problemFor(error, request);
    reply.headers(problem.headers);
    bearerChallenge(request, reply, errorCodes[problem.code].status);
    return sendProblem(reply, problem.code, problem.detail, problem.errors);
  });
}
