/**
 * How a server child tells the bench it is ready, and how it is stopped. The child announces its port over
 * the IPC channel; it stops on SIGTERM (sent to its own pid) and also when the bench goes away, so an
 * interrupted bench leaves no server behind.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
export interface ListeningMessage {
  readonly type: "listening";
  readonly port: number;
}

export function isListeningMessage(value: unknown): value is ListeningMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { type?: unknown }).type === "listening" &&
    typeof (value as { port?: unknown }).port === "number"
  );
}

/** Asks a server child for process.memoryUsage(): the split of its RSS between V8's heap and the rest. */
export interface MemoryRequest {
  readonly type: "memory";
}

export interface MemoryReply {
  readonly type: "memory";
  readonly usage: NodeJS.MemoryUsage;
}

function hasType(value: unknown, type: string): boolean {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === type;
}

export function isMemoryReply(value: unknown): value is MemoryReply {
  return hasType(value, "memory") && typeof (value as { usage?: unknown }).usage === "object";
}

export function announceListening(port: number): void {
  const message: ListeningMessage = { type: "listening", port };
  if (process.send === undefined) {
    console.log(`listening on http://127.0.0.1:${port}`);
    return;
  }
  process.send(message);
  process.on("message", (request: unknown) => {
    if (hasType(request, "memory"))
      process.send?.({ type: "memory", usage: process.memoryUsage() } satisfies MemoryReply);
  });
}

export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    // process.exit (not a dangling handle) so that --cpu-prof writes its profile on the way out.
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  process.once("disconnect", shutdown);
}

/** A baseline server's life: listen on a free loopback port, announce it, and close every connection on SIGTERM. */
export function serveOnLoopback(server: Server): void {
  server.listen(0, "127.0.0.1", () => announceListening((server.address() as AddressInfo).port));
  stopOnSignal(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
}
