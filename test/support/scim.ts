import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import type { HttpClient } from "./http-client.ts";

/**
 * @module
 * An identity provider's SCIM client for the suites: every request is `application/scim+json` with the
 * bearer token of its HttpClient, and every exchange is kept, so a suite can render the sequence it ran as the
 * server answered it (test/http/scim-sequences.test.ts writes them; docs/scim-transcripts.md is one run).
 */
export const scimUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
export const scimPatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";

export interface ScimExchange {
  readonly label: string;
  readonly method: string;
  readonly url: string;
  readonly requestBody: unknown;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The answer headers an identity provider acts on, in the order a transcript shows them. */
const shownHeaders = ["content-type", "location", "etag", "www-authenticate", "allow"];

export class ScimClient {
  /** Each exchange in order, with the suite's notes (what it checked between two requests) among them. */
  readonly exchanges: (ScimExchange | string)[] = [];

  constructor(readonly http: HttpClient) {}

  note(text: string): void {
    this.exchanges.push(text);
  }

  async send(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    url: string,
    body?: unknown,
    label = `${method} ${url}`,
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { accept: "application/scim+json" };
    if (body !== undefined) headers["content-type"] = "application/scim+json; charset=utf-8";
    const response = await this.http.request(method, url, {
      bare: true,
      headers,
      ...(body === undefined ? {} : { payload: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const shown: Record<string, string> = {};
    for (const name of shownHeaders) {
      const value = response.headers[name];
      if (value !== undefined) shown[name] = String(value);
    }
    this.exchanges.push({
      label,
      method,
      url,
      requestBody: body,
      status: response.statusCode,
      headers: shown,
      body: response.body === "" ? undefined : (JSON.parse(response.body) as unknown),
    });
    return response;
  }

  get(url: string, label?: string) {
    return this.send("GET", url, undefined, label);
  }
  post(url: string, body: unknown, label?: string) {
    return this.send("POST", url, body, label);
  }
  put(url: string, body: unknown, label?: string) {
    return this.send("PUT", url, body, label);
  }
  patch(url: string, body: unknown, label?: string) {
    return this.send("PATCH", url, body, label);
  }
  delete(url: string, label?: string) {
    return this.send("DELETE", url, undefined, label);
  }
}

export interface ScimErrorBody {
  readonly schemas: string[];
  readonly status: string;
  readonly scimType?: string;
  readonly detail: string;
}

/** Asserts a SCIM error answer: its status (as a number and as the body's string), scimType and code. */
export function assertScimError(
  response: LightMyRequestResponse,
  status: number,
  code: string,
  scimType?: string,
): ScimErrorBody {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/scim\+json/);
  const body = response.json() as ScimErrorBody;
  assert.deepEqual(body.schemas, [scimErrorSchema]);
  assert.equal(body.status, String(status));
  assert.equal(body.scimType, scimType, response.body);
  assert.ok(body.detail.startsWith(`${code}:`), `${code} expected: ${body.detail}`);
  assert.ok(!/at .*\.ts:\d+|SELECT|INSERT|sqlite|postgres/i.test(response.body), "no stack or SQL");
  return body;
}

export interface ScimUserBody {
  readonly id: string;
  readonly userName: string;
  readonly externalId?: string;
  readonly displayName?: string;
  readonly name?: { formatted: string };
  readonly emails: { value: string; type: string; primary: boolean }[];
  readonly active: boolean;
  readonly meta: { resourceType: string; created: string; lastModified: string; location: string; version: string };
}

export interface ScimListBody {
  readonly schemas: string[];
  readonly totalResults: number;
  readonly startIndex: number;
  readonly itemsPerPage: number;
  readonly Resources: ScimUserBody[];
}

export function newScimUser(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [scimUserSchema],
    userName,
    name: { givenName: "Ada", familyName: "Lovelace" },
    emails: [{ value: userName, type: "work", primary: true }],
    active: true,
    ...extra,
  };
}

export function patchOp(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [scimPatchOpSchema], Operations: operations };
}

/** The exchanges as Markdown: each request, then the server's answer, bodies as pretty JSON. */
export function renderTranscript(title: string, exchanges: readonly (ScimExchange | string)[]): string {
  const lines = [`## ${title}`, ""];
  let step = 0;
  for (const exchange of exchanges) {
    if (typeof exchange === "string") {
      lines.push(`> ${exchange}`, "");
      continue;
    }
    step += 1;
    lines.push(`### ${step}. ${exchange.label}`, "", "```http", `${exchange.method} ${exchange.url}`);
    lines.push("Authorization: Bearer gatehouse_…");
    if (exchange.requestBody !== undefined) {
      lines.push(
        "Content-Type: application/scim+json; charset=utf-8",
        "",
        JSON.stringify(exchange.requestBody, null, 2),
      );
    }
    lines.push("```", "", "```http", `HTTP/1.1 ${exchange.status}`);
    for (const [name, value] of Object.entries(exchange.headers)) lines.push(`${name}: ${value}`);
    if (exchange.body !== undefined) lines.push("", JSON.stringify(exchange.body, null, 2));
    lines.push("```", "");
  }
  return lines.join("\n");
}
