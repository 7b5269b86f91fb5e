import type { HttpClient } from "./http-client.ts";

/** @module What a device gets on its next request: whether a sign-out, a revocation or a deletion reached it. */

/** The status a device gets on its next authenticated request. */
export async function statusOf(client: HttpClient): Promise<number> {
  return (await client.get("/api/account")).statusCode;
}

/** Status codes of every device's next request on the given authenticated routes, all sent at once. */
export async function replayEverywhere(devices: readonly HttpClient[]): Promise<number[]> {
  const requests = devices.flatMap((device) => [
    device.get("/api/auth/session"),
    device.get("/api/account"),
    device.delete("/api/account/sessions/x"),
  ]);
  return (await Promise.all(requests)).map((response) => response.statusCode);
}
