import { request } from "node:http";

/**
 * @module
 * One HTTP request with exactly the header lines given (names spelled as written, none added but Host
 * and Content-Length): fetch would add Sec-Fetch-Mode and refuse some names, and a browser's view of
 * redirects is what the tests check by hand.
 */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export function send(
  origin: string,
  method: string,
  path: string,
  headers: readonly (readonly [string, string])[] = [],
  body?: string,
): Promise<RawAnswer> {
  // The path goes on the request line as written ("//admin" is a path here, not another host).
  const url = new URL(origin);
  const lines: string[] = [];
  if (!headers.some(([name]) => name.toLowerCase() === "host")) lines.push("Host", url.host);
  for (const [name, value] of headers) lines.push(name, value);
  if (body !== undefined) lines.push("Content-Length", String(Buffer.byteLength(body)));
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: lines,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        response.on("error", reject);
      },
    );
    sent.on("error", reject);
    sent.setTimeout(10_000, () => sent.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    sent.end(body);
  });
}
