/**
 * Baseline 2: one bare fastify route on the same path Gatehouse answers, returning the same small JSON
 * body as the node:http baseline. The gap between the two is fastify's own cost; the gap from here to
 * Gatehouse is everything Gatehouse adds (plugins, hooks, the session check, its database).
 */
import Fastify from "fastify";
import { announceListening, stopOnSignal } from "../ipc.ts";

const app = Fastify({ logger: false });
app.get("/api/auth/session", async () => ({ hello: "world" }));

await app.listen({ port: 0, host: "127.0.0.1" });
const address = app.server.address();
if (address === null || typeof address === "string") throw new Error("fastify did not listen on a TCP port");
announceListening(address.port);
stopOnSignal(() => app.close());
