import { accessSync, constants } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { startTestApp, type TestApp, type TestAppOptions } from "./app.ts";
import type { EngineName } from "./databases.ts";
import { freePort } from "./ports.ts";

/**
 * Real-browser support: Debian's Chromium driven by playwright-core (never a downloaded browser), Gatehouse
 * on a real loopback socket, and an attacker site on another loopback address. Without Chromium the browser
 * suites are skipped loudly; under CI=true a missing browser is a failure, never a skip.
 */
export const chromiumPath = process.env.GATEHOUSE_CHROMIUM ?? "/usr/bin/chromium";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const chromiumFound = isExecutable(chromiumPath);

if (!chromiumFound && process.env.CI === "true") {
  throw new Error(`CI=true but Chromium is not at ${chromiumPath}: the browser suites must not be skipped in CI.`);
}

/** `false` when the browser suites can run, else the reason they are skipped (pass it to `describe`). */
export const browserSkipReason: string | false = chromiumFound
  ? false
  : `Chromium not found at ${chromiumPath} (apt-get install chromium, or set GATEHOUSE_CHROMIUM): browser tests SKIPPED`;

if (browserSkipReason !== false) console.warn(`\n*** ${browserSkipReason} ***\n`);

/** Every wait in a browser test is bounded: a navigation or an action that hangs fails after this long. */
export const browserTimeoutMs = 30_000;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    timeout: browserTimeoutMs,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh browser profile (its own cookie jar): one "device". */
export async function newDevice(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(browserTimeoutMs);
  context.setDefaultNavigationTimeout(browserTimeoutMs);
  return context;
}

/** Closes what a suite opened, newest first, and keeps going when one close fails. */
export class Resources {
  readonly #closers: (() => Promise<unknown>)[] = [];

  add<T>(resource: T, close: (resource: T) => Promise<unknown>): T {
    this.#closers.push(() => close(resource));
    return resource;
  }

  async closeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const close of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, "some browser-test resources failed to close");
  }
}

/** One request as the Gatehouse server saw it: what arrived, with which Fetch Metadata and cookies, and the answer. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly site: string | null;
  readonly mode: string | null;
  readonly origin: string | null;
  readonly cookieNames: readonly string[];
  /** Filled in when the answer has been sent. */
  status: number | null;
  location: string | null;
}

/** Listens beside Fastify on its HTTP server: the server's own view of what the browser sent and got. */
export class RequestLog {
  readonly #seen: SeenRequest[] = [];

  constructor(server: Server) {
    server.on("request", (request: IncomingMessage, response) => {
      const seen: SeenRequest = {
        method: request.method ?? "",
        path: request.url ?? "",
        site: header(request, "sec-fetch-site"),
        mode: header(request, "sec-fetch-mode"),
        origin: header(request, "origin"),
        cookieNames: (header(request, "cookie") ?? "")
          .split(";")
          .map((pair) => pair.split("=")[0]?.trim() ?? "")
          .filter((name) => name !== ""),
        status: null,
        location: null,
      };
      this.#seen.push(seen);
      // Fastify passes its headers to writeHead directly, where getHeader cannot see them: read them there.
      const writeHead = response.writeHead;
      response.writeHead = function recordLocation(
        this: ServerResponse,
        ...args: Parameters<ServerResponse["writeHead"]>
      ) {
        const headers = args.find((arg) => typeof arg === "object" && arg !== null && !Array.isArray(arg));
        const location = (headers as Record<string, unknown> | undefined)?.location ?? this.getHeader("location");
        seen.location = typeof location === "string" ? location : null;
        return writeHead.apply(this, args);
      } as ServerResponse["writeHead"];
      response.on("finish", () => {
        seen.status = response.statusCode;
      });
    });
  }

  /** A position in the log, to read only what came after it. */
  mark(): number {
    return this.#seen.length;
  }

  since(mark: number): readonly SeenRequest[] {
    return this.#seen.slice(mark);
  }
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

/** Gatehouse listening on 127.0.0.1, with the public URL (the origin the CSRF check trusts) set to that socket. */
export interface LiveGatehouse {
  readonly t: TestApp;
  readonly origin: string;
  /** The origin and PUBLIC_URL's path, if the suite gave one: where Gatehouse's pages are. */
  readonly publicUrl: string;
  readonly requests: RequestLog;
  close(): Promise<void>;
}

export { freePort };

export async function startLiveGatehouse(
  engine: EngineName,
  options: Omit<TestAppOptions, "publicUrl"> = {},
  path = "",
): Promise<LiveGatehouse> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const t = await startTestApp(engine, { ...options, publicUrl: `${origin}${path}` });
  try {
    await t.app.listen({ host: "127.0.0.1", port });
  } catch (error) {
    await t.close();
    throw new Error(`Gatehouse could not listen on ${origin}`, { cause: error });
  }
  return { t, origin, publicUrl: `${origin}${path}`, requests: new RequestLog(t.app.server), close: () => t.close() };
}

/**
 * The attacker: a plain HTTP server serving the pages a test writes. "cross-site" is another loopback address
 * (127.0.0.2 is another site than 127.0.0.1; where that address cannot be bound, `localhost` against
 * `127.0.0.1` is). "same-site" is another port of 127.0.0.1: another origin, but the same site, so the browser
 * sends Gatehouse's SameSite=Lax cookie with its requests and only the CSRF defence stands in the way.
 */
export type AttackerKind = "cross-site" | "same-site";

export interface AttackerSite {
  readonly kind: AttackerKind;
  readonly origin: string;
  /** Publishes a page and returns its address. */
  page(html: string): string;
  close(): Promise<void>;
}

export async function startAttackerSite(kind: AttackerKind = "cross-site"): Promise<AttackerSite> {
  const pages = new Map<string, string>();
  const server = createHttpServer((request, response) => {
    const body = pages.get(request.url ?? "");
    if (body === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("no such page");
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(body);
  });
  let origin: string;
  if (kind === "same-site") {
    await listen(server, "127.0.0.1");
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  } else {
    try {
      await listen(server, "127.0.0.2");
      origin = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
    } catch {
      await listen(server, "127.0.0.1");
      origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    }
  }
  let count = 0;
  return {
    kind,
    origin,
    page(html: string) {
      count += 1;
      const path = `/page-${count}.html`;
      pages.set(path, html);
      return `${origin}${path}`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

function listen(server: Server, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once("error", failed);
    server.listen(0, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
}

/** What a `fetch` made inside a page saw: an answer (opaque ones have status 0) or the network error. */
export type FetchOutcome =
  | { readonly kind: "answer"; readonly status: number; readonly type: string; readonly body: string }
  | { readonly kind: "error"; readonly message: string };

/** The answer a page's `fetch` got; a network error fails the test with its message. */
export function answered(outcome: FetchOutcome, label = "fetch"): { status: number; type: string; body: string } {
  if (outcome.kind === "error") throw new Error(`${label} failed in the page: ${outcome.message}`);
  return outcome;
}

export interface PageFetch {
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly mode?: "cors" | "no-cors" | "same-origin";
  readonly credentials?: "include" | "same-origin" | "omit";
}

/** Runs `fetch` inside the page, with the page's origin, cookies and Fetch Metadata. */
export function fetchFromPage(page: Page, url: string, init: PageFetch): Promise<FetchOutcome> {
  return page.evaluate(
    async ({ url, init }): Promise<FetchOutcome> => {
      try {
        const response = await fetch(url, {
          method: init.method,
          headers: { ...init.headers },
          mode: init.mode ?? "cors",
          credentials: init.credentials ?? "same-origin",
          ...(init.body === undefined ? {} : { body: init.body }),
        });
        const body = response.type === "opaque" ? "" : await response.text();
        return { kind: "answer", status: response.status, type: response.type, body };
      } catch (error) {
        return { kind: "error", message: String(error) };
      }
    },
    { url, init },
  );
}

/** Signs in through the /login page as a person would, and leaves the page on /account. */
export async function signInThroughPage(
  context: BrowserContext,
  origin: string,
  email: string,
  password: string,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/login`);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await Promise.all([
    page.waitForURL(`${origin}/account?notice=signed-in`),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  return page;
}

/** The session's anti-forgery token, as the page's forms carry it. */
export async function csrfTokenOf(page: Page): Promise<string> {
  const token = await page.locator('input[name="_csrf"]').first().getAttribute("value");
  if (token === null || token === "") throw new Error(`no _csrf field on ${page.url()}`);
  return token;
}

/** The names of the cookies a browser profile holds for an origin. */
export async function cookieNames(context: BrowserContext, origin: string): Promise<string[]> {
  return (await context.cookies(origin)).map((cookie) => cookie.name);
}
