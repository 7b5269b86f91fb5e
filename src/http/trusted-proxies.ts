import { isIP } from "node:net";
import type { FastifyServerOptions } from "fastify";
import ipaddr from "ipaddr.js";

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

/** proxy-addr's ranges for its names, the ones fastify uses for the same setting. */
const namedRangeCidrs: Readonly<Record<string, readonly string[]>> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

/**
 * Whether the connection itself comes from a trusted proxy: what lets a request's original-URL headers
 * (X-Original-URL, X-Forwarded-Host, ...) be believed (http/original-request.ts). With a hop count every
 * peer is the nearest hop, so it is trusted: that setting says Gatehouse is reachable only through proxies.
 */
export function isTrustedPeer(trusted: TrustedProxies, peerAddress: string | undefined): boolean {
  if (trusted === false || peerAddress === undefined) return false;
  if (typeof trusted === "number") return trusted > 0;
  const peer = parsedAddress(peerAddress);
  if (peer === null) return false;
  return trusted.some((entry) =>
    (namedRangeCidrs[entry] ?? [entry]).some((cidr) => {
      const [address = "", bits] = cidr.split("/");
      const range = parsedAddress(address);
      if (range === null || range.kind() !== peer.kind()) return false;
      const prefix = bits === undefined ? (range.kind() === "ipv4" ? 32 : 128) : Number(bits);
      return peer.match(range, prefix);
    }),
  );
}

function parsedAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(text)) return null;
  // An IPv4 peer on a dual-stack socket reads "::ffff:127.0.0.1": it is the IPv4 address.
  return ipaddr.process(text);
}
