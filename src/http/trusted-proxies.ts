import { isIP } from "node:net";
import type { FastifyServerOptions } from "fastify";

/**
 * @module
 * Which proxies in front of Gatehouse are trusted to say who the client is (TRUST_PROXY): none, the
 * nearest N hops, or the proxies at these addresses. The client address is the one the last trusted
 * proxy saw: X-Forwarded-For is read from the right, past trusted hops only, so the entries a client
 * writes itself (on the left, which a proxy that appends keeps) are never taken. "Trust everything" is
 * not offered: it takes the left-most entry, which is whatever the client sent.
 */
export type TrustedProxies = false | number | readonly string[];

/** proxy-addr's names for address ranges (fastify resolves them). */
const namedRanges = new Set(["loopback", "linklocal", "uniquelocal"]);

const maxHops = 100;

export type TrustedProxiesParse =
  | { readonly ok: true; readonly value: TrustedProxies }
  | { readonly ok: false; readonly message: string };

const instead =
  "write the number of proxies in front of Gatehouse (for example 1), or their addresses or CIDR ranges (for example 127.0.0.1 or 10.0.0.0/8, comma-separated)";

export function parseTrustedProxies(text: string): TrustedProxiesParse {
  const value = text.trim().toLowerCase();
  if (value === "false" || value === "no" || value === "0") return { ok: true, value: false };
  if (value === "true" || value === "yes") {
    return {
      ok: false,
      message: `"${text}" would trust every hop and let any client choose its own address; ${instead}`,
    };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > maxHops) return { ok: false, message: `at most ${maxHops} proxies` };
    return { ok: true, value: hops };
  }
  const entries = value.split(",").map((entry) => entry.trim());
  for (const entry of entries) {
    const problem = entryProblem(entry);
    if (problem !== null) return { ok: false, message: `${problem}; ${instead}` };
  }
  return { ok: true, value: Object.freeze(entries) };
}

function entryProblem(entry: string): string | null {
  if (namedRanges.has(entry)) return null;
  if (entry === "") return "an empty entry";
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `"${entry}" is not an address or CIDR range`;
  if (prefix === undefined) return null;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(prefix) || Number(prefix) > bits) return `"${entry}" has no valid prefix length`;
  if (Number(prefix) === 0) return `"${entry}" would trust every address and let any client choose its own`;
  return null;
}

/** The setting in fastify's terms (its own number option trusts nothing at all, so hops are a function). */
export function fastifyTrustProxy(trusted: TrustedProxies): FastifyServerOptions["trustProxy"] {
  if (trusted === false) return false;
  if (typeof trusted === "number") return (_address: string, hop: number) => hop < trusted;
  return [...trusted];
}
