import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { rateLimitedRefusal } from "../../src/domain/errors.ts";
import { GatehouseError } from "../../src/http/gatehouse-error.ts";
import { installProblemHandlers } from "../../src/http/problem.ts";
import { errorPageHandler } from "../../src/web/error-page.ts";

/**
 * Issue 10.3: one error path. The API's problem+json and the pages' error page render the same problem
 * for the same error: the same status, code and headers. They used to disagree on a client error no code
 * names (VALIDATION_FAILED against MALFORMED_BODY), and the pages called a 404 or 405 MALFORMED_BODY.
 */
function frameworkError(statusCode: number): Error {
  return Object.assign(new Error(`the framework refused this (${statusCode})`), { statusCode });
}

const cases: readonly (readonly [label: string, error: () => Error])[] = [
  ["a refusal", () => new GatehouseError("CSRF_REJECTED", "The request did not come from this site.")],
  ["a refusal with Retry-After", () => GatehouseError.from(rateLimitedRefusal(3_000))],
  ["a body that does not parse (400)", () => frameworkError(400)],
  ["a framework 404", () => frameworkError(404)],
  ["a framework 405", () => frameworkError(405)],
  ["a body too large (413)", () => frameworkError(413)],
  ["a body of another type (415)", () => frameworkError(415)],
  ["a framework 429", () => frameworkError(429)],
  ["a client error no code names (418)", () => frameworkError(418)],
  ["a client error no code names (431)", () => frameworkError(431)],
  ["a fault", () => new Error("SELECT password_hash FROM users")],
];

const strictQuery = { schema: { querystring: z.strictObject({ n: z.literal("1") }) } };

/** `/api/fail/:n` throws errors[n] from an API route, `/fail/:n` from a page. */
async function rendererApp(errors: readonly (() => Error)[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest("auth", null);
  installProblemHandlers(app);
  const fail = async (request: { params: unknown }) => {
    const { n } = request.params as { n: string };
    throw errors[Number(n)]?.() ?? new Error("no such case");
  };
  app.get("/api/fail/:n", fail);
  app.get("/api/strict", strictQuery, async () => ({}));
  await app.register(async (pages) => {
    pages.setErrorHandler(
      errorPageHandler({
        publicUrl: new URL("http://127.0.0.1:3000"),
        basePath: "",
        allowedHosts: [],
        csrfKey: randomBytes(32),
      }),
    );
    pages.get("/fail/:n", fail);
    pages.get("/strict", strictQuery, async () => "");
  });
  await app.ready();
  return app;
}

/** A public page names its code only in the alert's data-code attribute (issue 16.4: not as text). */
function pageCode(body: string): string | undefined {
  assert.doesNotMatch(body, /Code: <code>/, "a public page shows no problem code as text");
  return /data-code="([A-Z_]+)"/.exec(body)?.[1];
}

describe("the API's and the pages' error renderers", () => {
  let app: FastifyInstance;
  before(async () => {
    app = await rendererApp(cases.map(([, error]) => error));
  });
  after(() => app.close());

  test("issue 10.3: the same error gets the same status, problem code and headers from both", async () => {
    for (const [index, [label]] of cases.entries()) {
      const api = await app.inject({ method: "GET", url: `/api/fail/${index}` });
      const page = await app.inject({ method: "GET", url: `/fail/${index}` });
      const problem = api.json<{ code: string; status: number }>();
      assert.match(String(api.headers["content-type"]), /^application\/problem\+json/, label);
      assert.match(String(page.headers["content-type"]), /^text\/html/, label);
      assert.equal(page.statusCode, api.statusCode, label);
      assert.equal(problem.status, api.statusCode, label);
      assert.equal(pageCode(page.body), problem.code, label);
      assert.equal(page.headers["retry-after"], api.headers["retry-after"], label);
    }
  });

  test("issue 10.3: a client error no code names is VALIDATION_FAILED on both", async () => {
    const index = cases.findIndex(([label]) => label.endsWith("(418)"));
    assert.equal((await app.inject(`/api/fail/${index}`)).json<{ code: string }>().code, "VALIDATION_FAILED");
    assert.equal(pageCode((await app.inject(`/fail/${index}`)).body), "VALIDATION_FAILED");
  });

  test("a value that fails its schema is VALIDATION_FAILED on both; the API lists the paths", async () => {
    const api = await app.inject("/api/strict?n=2");
    const page = await app.inject("/strict?n=2");
    assert.equal(api.statusCode, 400);
    assert.equal(page.statusCode, 400);
    const problem = api.json<{ code: string; errors: unknown[] }>();
    assert.equal(problem.code, "VALIDATION_FAILED");
    assert.ok(problem.errors.length > 0);
    assert.equal(pageCode(page.body), "VALIDATION_FAILED");
  });

  test("a fault leaks nothing from inside through either renderer", async () => {
    const index = cases.findIndex(([label]) => label === "a fault");
    for (const url of [`/api/fail/${index}`, `/fail/${index}`]) {
      const response = await app.inject(url);
      assert.equal(response.statusCode, 500, url);
      assert.doesNotMatch(response.body, /password_hash|SELECT/, url);
    }
  });

  test("no session: the API answers UNAUTHENTICATED, a page sends the visitor to sign in", async () => {
    const noSession = await rendererApp([() => new GatehouseError("UNAUTHENTICATED"), () => frameworkError(401)]);
    try {
      for (const index of [0, 1]) {
        const api = await noSession.inject(`/api/fail/${index}`);
        const page = await noSession.inject(`/fail/${index}`);
        assert.equal(api.statusCode, 401);
        assert.equal(api.json<{ code: string }>().code, "UNAUTHENTICATED");
        assert.equal(page.statusCode, 303);
        assert.equal(page.headers.location, `/login?next=${encodeURIComponent(`/fail/${index}`)}`);
      }
    } finally {
      await noSession.close();
    }
  });
});
