/**
 * W6's bare verify server: what nginx's auth_request would cost against a verify endpoint that does no
 * work at all. Every request is answered 200 with an empty body and the four identity headers Gatehouse
 * sends, so nginx copies as much as it does from Gatehouse.
 */
import { createServer } from "node:http";
import { serveOnLoopback } from "../ipc.ts";

const headers = {
  "remote-user": "00000000-0000-4000-8000-000000000000",
  "remote-email": "someone@example.test",
  "remote-name": "",
  "remote-groups": "user",
  "cache-control": "no-store",
  "content-length": 0,
};

const server = createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end();
});

serveOnLoopback(server);
