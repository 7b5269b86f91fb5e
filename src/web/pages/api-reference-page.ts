import type { FastifyInstance } from "fastify";
import { openApiDocument } from "../../http/openapi/openapi-document.ts";
import type { RouteContext } from "../../http/route-context.ts";
import { apiReferencePath } from "../../http/security-headers.ts";
import { html, type SafeHtml } from "../html.ts";
import { pageContext, sendPage } from "../page-support.ts";

/**
 * @module
 * The API reference for people: every operation of the served OpenAPI document, rendered on the server
 * from the document itself (so it can say nothing the document does not), with no script at all, under
 * the pages' strict Content-Security-Policy. Clients read /api/openapi.json; this page is its reading copy.
 */

type Json = Record<string, unknown>;
interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly Json[];
  readonly parameters?: readonly { name: string; in: string; required?: boolean; schema?: Json }[];
  readonly requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  readonly responses?: Record<
    string,
    { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema?: Json }> }
  >;
}
interface Document {
  readonly info: { title: string; version: string; description?: string };
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: { schemas?: Record<string, Json> };
}

export function apiReferencePage(app: FastifyInstance, context: RouteContext): void {
  let rendered: SafeHtml | null = null;
  app.get(apiReferencePath, async (request, reply) => {
    const page = pageContext(request, context);
    rendered ??= referenceOf(openApiDocument(app) as Document, page.base);
    return sendPage(reply, page, { title: "API reference" }, rendered);
  });
}

function referenceOf(document: Document, base: string): SafeHtml {
  const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
  return html`<h1>${document.info.title} <small>${document.info.version}</small></h1>
<p>${document.info.description ?? ""}</p>
<p>The machine-readable document: <a href="${base}/api/openapi.json">${base}/api/openapi.json</a> (OpenAPI 3.1).</p>
<nav aria-label="Operations"><ul class="plain">
${operations.map(({ path, method, operation }) => html`<li><a href="#${operation.operationId ?? ""}"><code>${method} ${path}</code></a> ${operation.summary ?? ""}</li>`)}
</ul></nav>
${operations.map(({ path, method, operation }) => operationSection(path, method, operation))}
<h2>Schemas</h2>
${Object.entries(document.components?.schemas ?? {}).map(
  ([name, schema]) => html`<section id="schema-${name}"><h3>${name}</h3>${schemaBlock(schema)}</section>`,
)}`;
}

function operationSection(path: string, method: string, operation: Operation): SafeHtml {
  const body = operation.requestBody?.content?.["application/json"]?.schema;
  return html`<section class="card" id="${operation.operationId ?? ""}">
<h2><code>${method} ${path}</code></h2>
<p>${operation.description ?? operation.summary ?? ""}</p>
<p><strong>Credentials:</strong> ${credentialsOf(operation.security ?? [])}</p>
${
  (operation.parameters ?? []).length === 0
    ? ""
    : html`<h3>Parameters</h3><ul>${(operation.parameters ?? []).map(
        (parameter) =>
          html`<li><code>${parameter.name}</code> (${parameter.in}${parameter.required === true ? ", required" : ""}) ${schemaBlock(parameter.schema ?? {})}</li>`,
      )}</ul>`
}
${body === undefined ? "" : html`<h3>Request body${operation.requestBody?.required === true ? "" : " (optional)"}</h3>${schemaBlock(body)}`}
<h3>Responses</h3>
<dl>${Object.entries(operation.responses ?? {}).map(
    ([
      status,
      response,
    ]) => html`<dt><code>${status}</code> ${response.description?.split("\n")[0]?.includes(":") === true ? "" : (response.description ?? "")}</dt>
<dd>${problemCodes(response.description)}${Object.keys(response.headers ?? {}).length === 0 ? "" : html`<p>Headers: ${Object.keys(response.headers ?? {}).join(", ")}</p>`}${successSchema(status, response.content)}</dd>`,
  )}</dl>
</section>`;
}

function credentialsOf(security: readonly Json[]): string {
  if (security.length === 0) return "none";
  const needsCsrf = security.some((requirement) => "csrfToken" in requirement);
  return needsCsrf ? "a signed-in session (cookie), with its X-CSRF-Token header" : "a signed-in session (cookie)";
}

/** A refusal's description lists its codes one per line, `CODE: title`. */
function problemCodes(description: string | undefined): SafeHtml | string {
  const lines = (description ?? "").split("\n").filter((line) => /^[A-Z_]+: /.test(line));
  if (lines.length === 0) return "";
  return html`<ul>${lines.map((line) => {
    const [code, ...title] = line.split(": ");
    return html`<li><code>${code ?? ""}</code> ${title.join(": ")}</li>`;
  })}</ul>`;
}

function successSchema(status: string, content: Record<string, { schema?: Json }> | undefined): SafeHtml | string {
  if (!/^[23]/.test(status)) return "";
  const schema = content?.["application/json"]?.schema;
  return schema === undefined ? "" : schemaBlock(schema);
}

function schemaBlock(schema: Json): SafeHtml {
  const ref = typeof schema.$ref === "string" ? schema.$ref.replace("#/components/schemas/", "") : null;
  if (ref !== null) return html`<a href="#schema-${ref}">${ref}</a>`;
  return html`<pre class="schema">${JSON.stringify(schema, null, 2)}</pre>`;
}
