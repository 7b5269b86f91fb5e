/**
 * Baseline 1: the bare node:http ceiling. A small JSON body, no routing, no parsing, nothing else: the
 * most any Node server on this machine can answer with this load generator.
 */
import { createServer } from "node:http";
import { serveOnLoopback } from "../ipc.ts";

const body = JSON.stringify({ hello: "world" });
const headers = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) };

const server = createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});

serveOnLoopback(server);
