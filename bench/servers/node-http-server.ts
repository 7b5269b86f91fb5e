/**
 * Baseline 1: the bare node:http ceiling. A small JSON body, no routing, no parsing, nothing else: the
 * most any Node server on this machine can answer with this load generator.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { announceListening, stopOnSignal } from "../ipc.ts";

const body = JSON.stringify({ hello: "world" });
const headers = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) };

const server = createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});

server.listen(0, "127.0.0.1", () => announceListening((server.address() as AddressInfo).port));
stopOnSignal(
  () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
