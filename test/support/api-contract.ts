import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { isApiPath } from "../../src/http/security-headers.ts";

/**
 * @module
 * The served OpenAPI document as the contract every test response is held to. HttpClient checks each
 * answer it gets from an API path against the operation it came from: the status is one the operation
 * declares, the content type is the declared one, the body validates against the declared schema, and
 * every header the document marks required is there and valid. A request the document says is not valid
 * (path, query or body) must not succeed. Anything else fails the test that sent it, so a handler that
 * answers something undocumented, or a document that promises what the server does not do, cannot pass.
 */

type Json = Record<string, unknown>;

interface MediaObject {
  readonly schema?: Json;
}
interface HeaderObject {
  readonly required?: boolean;
  readonly schema?: Json;
}
interface ResponseObject {
  readonly content?: Record<string, MediaObject>;
  readonly headers?: Record<string, HeaderObject>;
}
interface ParameterObject {
  readonly in: "path" | "query" | "header" | "cookie";
  readonly name: string;
  readonly required?: boolean;
  readonly schema?: Json;
}
export interface OperationObject {
  readonly operationId?: string;
  readonly parameters?: readonly ParameterObject[];
  readonly requestBody?: { readonly required?: boolean; readonly content?: Record<string, MediaObject> };
  readonly responses: Record<string, ResponseObject>;
  readonly security?: readonly Json[];
}
export interface OpenApiDocument {
  readonly openapi: string;
  readonly servers: readonly { readonly url: string }[];
  readonly paths: Record<string, Record<string, OperationObject>>;
  readonly components: Json;
}

export interface SentToApi {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  /** The parsed JSON body when one was sent as JSON; undefined when none was. */
  readonly body: unknown;
  /** A body was sent that is not JSON at all (another content type, or text that does not parse). */
  readonly unparseableBody: boolean;
}

export interface MatchedOperation {
  readonly path: string;
  readonly method: string;
  readonly operation: OperationObject;
  readonly pathParams: Record<string, string>;
}

const documentId = "https://gatehouse.invalid/openapi.json";

/** The server's own rule for which paths are the API (the reference page is not). */
export const isApiUrlPath = isApiPath;

/** The contract of one app: its document, with validators compiled once per schema. */
export class ApiContract {
  readonly document: OpenApiDocument;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<Json, ValidateFunction>();
  readonly #routes: readonly { readonly path: string; readonly segments: readonly string[] }[];

  /** The path of the document's server URL ("" at the root, "/auth" under a prefix). */
  readonly basePath: string;

  constructor(document: OpenApiDocument) {
    this.document = document;
    this.basePath = new URL(document.servers[0]?.url ?? "http://contract.invalid").pathname.replace(/\/+$/, "");
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(this.#ajv);
    this.#ajv.addSchema({ $id: documentId, components: document.components });
    // A literal path wins over a template that also matches it (revoke-others over {sessionId}), as in the router.
    this.#routes = Object.keys(document.paths)
      .map((path) => ({ path, segments: path.split("/") }))
      .sort((a, b) => templated(a.segments) - templated(b.segments));
  }

  /**
   * The operation a method and path name; HEAD is checked as the GET it mirrors. Segments are compared
   * decoded, one by one, as the router compares them (`%2F` stays inside its segment).
   */
  match(method: string, segments: readonly string[]): MatchedOperation | null {
    const asked = method === "HEAD" ? "get" : method.toLowerCase();
    const route = this.#routes.find((candidate) => segmentsMatch(candidate.segments, segments));
    if (route === undefined) return null;
    // The first path that matches owns the URL, whatever the method: the server answers 405 for the others.
    const operation = this.document.paths[route.path]?.[asked];
    if (operation === undefined) return null;
    const pathParams: Record<string, string> = {};
    route.segments.forEach((segment, index) => {
      const name = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (name !== undefined) pathParams[name] = segments[index] ?? "";
    });
    return { path: route.path, method: asked, operation, pathParams };
  }

  /** Whether a path exists in the document with any method (a 405 answer is then right for the others). */
  pathExists(segments: readonly string[]): boolean {
    return this.#routes.some((route) => segmentsMatch(route.segments, segments));
  }

  validate(schema: Json, value: unknown): string | null {
    let validator = this.#compiled.get(schema);
    if (validator === undefined) {
      validator = this.#ajv.compile(withDocumentRefs(schema));
      this.#compiled.set(schema, validator);
    }
    if (validator(value)) return null;
    return this.#ajv.errorsText(validator.errors, { dataVar: "value" });
  }

  /** Why the document says this request is not valid, or null when it is. */
  requestViolation(sent: SentToApi, matched: MatchedOperation): string | null {
    const url = new URL(sent.url, "http://contract.invalid");
    for (const parameter of matched.operation.parameters ?? []) {
      const raw =
        parameter.in === "path"
          ? matched.pathParams[parameter.name]
          : parameter.in === "query"
            ? (url.searchParams.getAll(parameter.name).at(-1) ?? undefined)
            : undefined;
      if (parameter.in !== "path" && parameter.in !== "query") continue;
      if (raw === undefined) {
        if (parameter.required === true) return `${parameter.in} parameter ${parameter.name} is missing`;
        continue;
      }
      if (parameter.schema !== undefined) {
        const problem = this.validate(parameter.schema, coerce(raw, parameter.schema));
        if (problem !== null) return `${parameter.in} parameter ${parameter.name}: ${problem}`;
      }
    }
    const body = matched.operation.requestBody;
    if (body === undefined) return null;
    if (sent.unparseableBody) return "the request body is not JSON";
    if (sent.body === undefined) return body.required === true ? "the request body is missing" : null;
    const schema = body.content?.["application/json"]?.schema;
    if (schema === undefined) return null;
    const problem = this.validate(schema, sent.body);
    return problem === null ? null : `body: ${problem}`;
  }

  /** Why this answer is not what the document says the operation answers, or null when it is. */
  responseViolation(response: LightMyRequestResponse, matched: MatchedOperation, head: boolean): string | null {
    const declared = matched.operation.responses[String(response.statusCode)];
    if (declared === undefined) return `status ${response.statusCode} is not documented`;
    return this.answerViolation(response, declared, head);
  }

  answerViolation(response: LightMyRequestResponse, declared: ResponseObject, head: boolean): string | null {
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required === true) return `required header ${name} is missing`;
        continue;
      }
      if (header.schema !== undefined && !Array.isArray(value)) {
        const problem = this.validate(header.schema, coerce(String(value), header.schema));
        if (problem !== null) return `header ${name}: ${problem}`;
      }
    }
    const media = Object.entries(declared.content ?? {});
    if (media.length === 0) {
      return response.body === "" ? null : "a body was sent where none is documented";
    }
    const type = String(response.headers["content-type"] ?? "");
    const matching = media.find(([name]) => type.split(";")[0]?.trim() === name);
    if (matching === undefined) return `content type ${type || "(none)"} is not one of ${media.map(([n]) => n)}`;
    if (head) return null;
    const schema = matching[1].schema;
    if (schema === undefined) return null;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return "the body is not JSON";
    }
    const problem = this.validate(schema, body);
    return problem === null ? null : `body: ${problem}`;
  }
}

/**
 * The path as the router reads it: percent-escapes decoded (`/api/%61ccount` is `/api/account`). A path
 * whose escapes are not UTF-8 never reaches a route: the framework refuses it (a documented 400) and it
 * is not checked here.
 */
function routedPath(url: string, basePath: string): string[] | null {
  try {
    const pathname = new URL(url, "http://contract.invalid").pathname;
    // Under PUBLIC_URL's path the document's paths are relative to its server URL, as the router's are.
    if (basePath !== "" && !pathname.startsWith(`${basePath}/`)) return null;
    return pathname.slice(basePath.length).split("/").map(decodeURIComponent);
  } catch {
    return null;
  }
}

function templated(segments: readonly string[]): number {
  return segments.filter((segment) => segment.startsWith("{")).length;
}

/** The router matches an empty parameter too (`/api/users/` reaches `{id}` with ""). */
function segmentsMatch(template: readonly string[], segments: readonly string[]): boolean {
  return (
    template.length === segments.length && template.every((part, i) => part.startsWith("{") || part === segments[i])
  );
}

/** Query, path and header values arrive as text: read them as the type their schema names. */
function coerce(raw: string, schema: Json): unknown {
  if ((schema.type === "integer" || schema.type === "number") && /^-?[0-9]+(\.[0-9]+)?$/.test(raw)) return Number(raw);
  return raw;
}

function withDocumentRefs(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${documentId}#/components/`)) as Json;
}

const contracts = new WeakMap<FastifyInstance, Promise<ApiContract>>();

/** The app's contract, read once from its own /api/openapi.json (under PUBLIC_URL's path, if it has one). */
export function contractOf(app: FastifyInstance, basePath = ""): Promise<ApiContract> {
  let contract = contracts.get(app);
  if (contract === undefined) {
    contract = app.inject({ method: "GET", url: `${basePath}/api/openapi.json` }).then((response) => {
      if (response.statusCode !== 200) throw new Error(`GET /api/openapi.json answered ${response.statusCode}`);
      return new ApiContract(response.json() as OpenApiDocument);
    });
    contracts.set(app, contract);
  }
  return contract;
}

/**
 * Holds one exchange with an API path to the document; throws with what broke it. Paths outside the API
 * (the pages) are not in the document and are not checked here.
 */
export async function checkExchange(
  app: FastifyInstance,
  sent: SentToApi,
  response: LightMyRequestResponse,
  basePath = "",
): Promise<void> {
  const contract = await contractOf(app, basePath);
  const segments = routedPath(sent.url, contract.basePath);
  if (segments === null || !isApiUrlPath(segments.join("/"))) return;
  const problem = exchangeViolation(contract, sent, response, segments);
  if (problem !== null) {
    throw new Error(
      `OpenAPI contract: ${sent.method} ${sent.url} -> ${response.statusCode}: ${problem}\n${response.body.slice(0, 500)}`,
    );
  }
}

function exchangeViolation(
  contract: ApiContract,
  sent: SentToApi,
  response: LightMyRequestResponse,
  segments: readonly string[],
): string | null {
  const matched = contract.match(sent.method, segments);
  if (matched === null) return unroutedViolation(contract, response, segments, sent.method === "HEAD");
  const invalid = contract.requestViolation(sent, matched);
  if (invalid !== null && response.statusCode < 400) {
    return `the document says the request is not valid (${invalid}), yet it succeeded`;
  }
  return contract.responseViolation(response, matched, sent.method === "HEAD");
}

/** No operation for this method and path: only 404 (no such path) or 405 (the path, not this method). */
function unroutedViolation(
  contract: ApiContract,
  response: LightMyRequestResponse,
  segments: readonly string[],
  head: boolean,
): string | null {
  const expected = contract.pathExists(segments) ? 405 : 404;
  // Refused before routing, as the document's 400, 413 and 415 say of every unsafe request: a URL the
  // router cannot decode, or a body too large or not JSON (the JSON-only rule runs on the request line).
  if ([400, 413, 415].includes(response.statusCode)) return problemViolation(contract, response, head);
  if (response.statusCode !== expected) return `no operation answers here, so ${expected} was due`;
  if (expected === 405 && response.headers.allow === undefined) return "a 405 without Allow";
  return problemViolation(contract, response, head);
}

function problemViolation(contract: ApiContract, response: LightMyRequestResponse, head: boolean): string | null {
  return contract.answerViolation(
    response,
    { content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
    head,
  );
}
