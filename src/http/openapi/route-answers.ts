import type { RouteOptions } from "fastify";
import { z } from "zod";
import { type ErrorCode, errorCodes } from "../../domain/errors.ts";
import { problemBounds } from "../problem.ts";
import { unsafeMethods } from "../unsafe-methods.ts";

/**
 * @module
 * Every answer an API route can give, as its response schema: the successes the route declares, and a
 * problem+json schema for each refusal status, whose `code` lists exactly the codes the route can answer
 * with that status. A route names only its own refusals (`config.refusals`); what every route, every
 * unsafe method and every policy can answer is added here, once, as the route is registered. Serializing
 * through these schemas is what makes the document the server's contract: a problem code a route does
 * not declare cannot leave it (it becomes a logged 500), so the suite finds it.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** The problem codes this route's own use case or limits can answer (those of its policy are added). */
    refusals?: readonly ErrorCode[];
  }
}

/** What any route answers: a URL or query that is not valid, and a fault. */
const everyRoute: readonly ErrorCode[] = ["VALIDATION_FAILED", "INTERNAL"];

/** What the edge answers to any unsafe request before a handler runs (body rules and the CSRF check). */
const everyUnsafeRequest: readonly ErrorCode[] = [
  "MALFORMED_BODY",
  "CSRF_REJECTED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
];

export type AnsweringPolicy = "public" | "authenticated" | "admin";

const byPolicy: Readonly<Record<AnsweringPolicy, readonly ErrorCode[]>> = {
  public: [],
  authenticated: ["UNAUTHENTICATED"],
  // The admin gate audits its refusals within the denial budget: past it, RATE_LIMITED.
  admin: ["UNAUTHENTICATED", "FORBIDDEN", "RATE_LIMITED"],
};

/** What a route that takes API tokens answers besides (http/bearer-auth.ts). */
const everyTokenRoute: readonly ErrorCode[] = [
  "AMBIGUOUS_CREDENTIALS",
  "INVALID_TOKEN",
  "INSUFFICIENT_SCOPE",
  "RATE_LIMITED",
];

export const problemMediaType = "application/problem+json";

const problemBase = z.object({
  type: z.string().max(200).describe("A URN naming the problem type: urn:gatehouse:problem:<code>."),
  title: z.string().max(200),
  status: z.number().int().min(400).max(599),
  code: z.string().max(64),
  detail: z.string().max(problemBounds.detail).optional(),
  instance: z.string().max(200).describe("urn:gatehouse:request:<request id>, as in the server's log."),
  errors: z
    .array(
      z.object({ path: z.string().max(problemBounds.errorText), message: z.string().max(problemBounds.errorText) }),
    )
    .max(problemBounds.errors)
    .optional()
    .describe("For VALIDATION_FAILED from a schema: each value that failed, by its path."),
});

/** RFC 9457 problem details with a stable `code`: the one shape of every error the API answers. */
export const problemSchema = problemBase.meta({ id: "Problem", description: "RFC 9457 problem details." });

/** The problem a route answers with one status: its codes as an enum, so clients can branch on them. */
export function problemWithCodes(status: number, codes: readonly ErrorCode[]) {
  const [first, ...rest] = [...codes].sort();
  if (first === undefined) throw new Error(`no problem code for status ${status}`);
  return problemBase
    .extend({ status: z.literal(status), code: z.enum([first, ...rest]) })
    .describe(codes.map((code) => `${code}: ${errorCodes[code].title}`).join("\n"));
}

/** Every code the route can answer, by status. */
export function refusalsOf(
  route: Pick<RouteOptions, "method" | "config">,
  policy: AnsweringPolicy,
): Map<number, ErrorCode[]> {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const unsafe = methods.some((method) => unsafeMethods.has(method));
  const codes = new Set<ErrorCode>([
    ...everyRoute,
    ...(unsafe ? everyUnsafeRequest : []),
    ...byPolicy[policy],
    ...(route.config?.acceptsTokens === true ? everyTokenRoute : []),
    ...(route.config?.refusals ?? []),
  ]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = errorCodes[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}

/**
 * Completes an API route's response schema as it is registered: its declared successes, then one problem
 * schema per refusal status. A route without a declared success is refused at start (assertApiRoutesAnswer).
 */
export function completeAnswers(route: RouteOptions, policy: AnsweringPolicy): void {
  const declared = (route.schema?.response ?? {}) as Record<string, unknown>;
  const response: Record<string, unknown> = { ...declared };
  for (const [status, codes] of refusalsOf(route, policy)) response[String(status)] = problemWithCodes(status, codes);
  route.schema = { ...route.schema, response };
}

/** The statuses a route's schema declares as successes (2xx and 3xx). */
export function declaredSuccesses(route: Pick<RouteOptions, "schema">): string[] {
  return Object.keys((route.schema?.response ?? {}) as Record<string, unknown>).filter((status) =>
    /^[23]/.test(status),
  );
}
