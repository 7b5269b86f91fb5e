import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { checkExchange, type SentToApi } from "./api-contract.ts";

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "TRACE" | "QUERY";

export interface SentRequest {
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** A raw payload sent as is (for malformed bodies and other content types). */
  readonly payload?: string | Buffer;
  /** Send only the given headers: no Fetch Metadata and no CSRF token are added. */
  readonly bare?: boolean;
}

/** A form post as a browser sends it (URL-encoded), for the server-rendered pages. */
export function form(fields: Readonly<Record<string, string>>): SentRequest {
  return {
    payload: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  };
}

/**
 * One "device": a cookie jar in front of the app, driven in-process with light-my-request. Cookies are
 * kept and replayed the way a browser would for a same-origin request (name=value, removed on Max-Age=0).
 */
export class HttpClient {
  readonly #app: FastifyInstance;
  /** The device's address as the server sees its connection (light-my-request's default: 127.0.0.1). */
  readonly #remoteAddress: string | undefined;
  readonly cookies = new Map<string, string>();
  csrfToken: string | null = null;
  /** An API token sent as `Authorization: Bearer` on every request (a service, not a browser). */
  bearer: string | null = null;

  /** Whether answers are held to the app's OpenAPI document (api-contract.ts); only its own tests opt out. */
  readonly #checked: boolean;

  /** PUBLIC_URL's path, where the app's API and its document live. */
  readonly #basePath: string;

  constructor(
    app: FastifyInstance,
    remoteAddress?: string,
    options: { readonly contract?: boolean; readonly basePath?: string } = {},
  ) {
    this.#app = app;
    this.#remoteAddress = remoteAddress;
    this.#checked = options.contract ?? true;
    this.#basePath = options.basePath ?? "";
  }

  async request(method: Method, url: string, sent: SentRequest = {}): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...sent.headers };
    // A same-origin browser request: Fetch Metadata plus the session's anti-forgery token. Tests of the
    // CSRF defence itself pass `bare: true` and set exactly the headers they mean to.
    if (sent.bare !== true && !["GET", "HEAD", "OPTIONS", "TRACE", "QUERY"].includes(method)) {
      headers["sec-fetch-site"] ??= "same-origin";
      if (this.csrfToken !== null) headers["x-csrf-token"] ??= this.csrfToken;
    }
    if (this.bearer !== null) headers.authorization ??= `Bearer ${this.bearer}`;
    if (this.cookies.size > 0 && headers.cookie === undefined) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    let payload = sent.payload;
    if (sent.body !== undefined) {
      payload = JSON.stringify(sent.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await this.#app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
      ...(this.#remoteAddress === undefined ? {} : { remoteAddress: this.#remoteAddress }),
    });
    if (this.#checked)
      await checkExchange(this.#app, sentToApi(method, url, headers, payload), response, this.#basePath);
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.value === "") this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const type = String(response.headers["content-type"] ?? "");
    if (type.startsWith("application/json") && response.body !== "") {
      const body = response.json() as { csrfToken?: unknown };
      if (typeof body.csrfToken === "string") this.csrfToken = body.csrfToken;
    }
    return response;
  }

  get(url: string, sent?: SentRequest) {
    return this.request("GET", url, sent);
  }
  post(url: string, body?: unknown, sent: SentRequest = {}) {
    return this.request("POST", url, body === undefined ? sent : { ...sent, body });
  }
  patch(url: string, body?: unknown, sent: SentRequest = {}) {
    return this.request("PATCH", url, body === undefined ? sent : { ...sent, body });
  }
  delete(url: string, body?: unknown, sent: SentRequest = {}) {
    return this.request("DELETE", url, body === undefined ? sent : { ...sent, body });
  }

  /** A copy of this device's cookies: replaying them later is what an attacker with a stolen cookie does. */
  clone(): HttpClient {
    const copy = new HttpClient(this.#app, this.#remoteAddress, { contract: this.#checked, basePath: this.#basePath });
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    copy.csrfToken = this.csrfToken;
    copy.bearer = this.bearer;
    return copy;
  }
}

/** The request as the contract check reads it: its JSON body parsed, or marked as not JSON. */
function sentToApi(
  method: string,
  url: string,
  headers: Readonly<Record<string, string>>,
  payload: string | Buffer | undefined,
): SentToApi {
  const contentType = headers["content-type"];
  if (payload === undefined || payload.length === 0)
    return { method, url, contentType, body: undefined, unparseableBody: false };
  if (contentType === undefined || !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    return { method, url, contentType, body: undefined, unparseableBody: true };
  }
  try {
    return { method, url, contentType, body: JSON.parse(String(payload)), unparseableBody: false };
  } catch {
    return { method, url, contentType, body: undefined, unparseableBody: true };
  }
}
