import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyInstance } from "fastify";
import { toProblem } from "./problem.ts";
import { apiSecurityHeaders } from "./security-headers.ts";

/** What the detail says, by the Node.js error the HTTP parser (llhttp) or the server's timers raised. */
function detailOf(error: ConnectionError): string {
  if (error.code === "HPE_HEADER_OVERFLOW") return "The request's headers are too large.";
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return "The request did not arrive in time.";
  return "The request is not valid HTTP.";
}

/**
 * A request the HTTP parser refuses (a malformed request line, a bad header name or value, headers over
 * the size limit, conflicting Content-Length and Transfer-Encoding, a bad chunk) never becomes a request:
 * no hook or error handler runs, and Fastify's default answer is its own JSON without our headers. This
 * writes the same problem+json every other refusal gets, with the API's security headers (the path is not
 * known, and the body is JSON), and closes the connection: the parser's position in the byte stream is
 * lost, so nothing after it on this connection can be trusted to be a request.
 *
 * The code is VALIDATION_FAILED (400) for every such refusal: the request as sent is not one we can read.
 * MALFORMED_BODY names a body our content parsers could not parse, which these mostly are not, and the
 * registry has no 408 or 431 code: the detail says which it was instead.
 */
export function answerClientError(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  // A response already under way on this connection (pipelining) cannot be followed by another one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const problem = toProblem("VALIDATION_FAILED", detailOf(error), requestId);
  this.log.debug({ err: error, reqId: requestId }, "request refused by the HTTP parser");
  const body = JSON.stringify(problem);
  const headers = {
    ...apiSecurityHeaders,
    "Content-Type": "application/problem+json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    Connection: "close",
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${head.join("")}\r\n${body}`, () =>
    socket.destroy(),
  );
}
