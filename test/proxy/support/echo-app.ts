import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * @module
 * The app behind the proxy: a bare node:http server that answers every request with what it received,
 * its header lines exactly as they arrived (names as spelled, repeated ones apart) and its body.
 */
export interface Echo {
  readonly method: string;
  readonly url: string;
  /** [name, value] in the order received. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

export interface EchoApp {
  readonly address: string;
  /** How many requests reached the app. */
  readonly count: () => number;
  close(): Promise<void>;
}

export async function startEchoApp(): Promise<EchoApp> {
  let count = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      count += 1;
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
        headers.push([request.rawHeaders[i] ?? "", request.rawHeaders[i + 1] ?? ""]);
      }
      const echo: Echo = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers,
        body: Buffer.concat(chunks).toString("latin1"),
      };
      response.writeHead(200, { "content-type": "application/json", "x-echo": "1" });
      response.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
