import { randomBytes, randomUUID } from "node:crypto";
import type { Clock, Random } from "../domain/ports.ts";

export const systemClock: Clock = { now: () => Date.now() };

export const systemRandom: Random = {
  bytes: (length) => randomBytes(length),
  uuid: () => randomUUID(),
};
