import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type ErrorCode, errorCodes } from "../domain/errors.ts";
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

/** A problem's body as a response schema (every refusal a route documents answers this shape). */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

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

/** The API's error handler: every error that leaves an API route, as problem+json. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = problemFor(error, request);
    reply.headers(problem.headers);
    return sendProblem(reply, problem.code, problem.detail, problem.errors);
  });
}
