import { domainToASCII, domainToUnicode } from "node:url";
import { type Ok, type Refusal, refuse } from "../errors.ts";

/**
 * @module
 * E-mail identity (issue 9, item 9). One address has one key however it is typed, and the key is what
 * every account shows, so that what users see is exactly what uniqueness and the confusable check compare:
 *
 * - local part: Unicode NFKC (fullwidth and other compatibility forms fold), lower case; not otherwise
 *   rewritten (no dot or plus folding: that is provider-specific and would merge distinct mailboxes);
 * - domain: UTS #46 (Node's `url.domainToASCII`, the WHATWG URL host rules), one trailing dot removed, then
 *   kept in its Unicode form, so `BÜCHER.example`, `bücher.example.` and `xn--bcher-kva.example` are one key;
 * - control, format, private-use, unassigned, separator and other invisible characters are refused anywhere
 *   in a new address, and stripped from anything looked up, so no key ever contains one.
 *
 * The key is the display: a display kept as typed would let `biII@…` (two capital i) sit beside `bill@…`
 * under two different skeletons.
 */

/** Characters that draw as nothing, or as something the reader cannot tell apart from nothing. */
const invisible = /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;
/** What a key never contains: the invisible characters and every space. */
const unkeyable = /[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}\u2800]/gu;

const keyShape = /^[^\s@]+@[^\s@]+$/u;
/**
 * Mark sequences that draw as a plain letter but that confusables.txt does not map, refused as Chromium's
 * IDN spoof checker refuses them: a dot above on a letter that already shows one, or on a dotless i or j
 * (`ı̇nfo`, `i̇nfo`, which the Turkish `İnfo` folds to, all display as `info`), and a nonspacing mark
 * repeated (two dots above stack into one).
 */
const stackedDotAbove = /[ijl\u0131\u0237]\u0307/u;
const repeatedMark = /(\p{Mn})\1/u;
/** A last label the WHATWG host parser reads as an IPv4 address (it rewrites `0x7f.1` to `127.0.0.1`). */
const numericLabel = /^(0x[0-9a-f]*|[0-9]+)$/i;

export const maxEmailLength = 254;

/**
 * NFKC, lower case, NFKC again (lower-casing can undo the normal form), without invisible characters;
 * repeated until stable, because removing one can let its neighbours compose.
 */
function fold(text: string): string {
  let current = text;
  for (let round = 0; round < 4; round += 1) {
    const next = current
      .replace(unkeyable, "")
      .normalize("NFKC")
      .toLowerCase()
      .normalize("NFKC")
      .replace(unkeyable, "");
    if (next === current) return next;
    current = next;
  }
  return current;
}

/**
 * The domain as UTS #46 maps it: its ASCII (punycode) form with one trailing dot (the root) removed, and
 * its Unicode form without any; null when it is not a domain name.
 */
function canonicalDomain(domain: string): { ascii: string; unicode: string } | null {
  const mapped = domainToASCII(domain.replace(unkeyable, ""));
  const ascii = mapped.endsWith(".") ? mapped.slice(0, -1) : mapped;
  const bare = ascii.replace(/\.+$/, "");
  const unicode = bare === "" ? "" : domainToUnicode(bare);
  return unicode === "" ? null : { ascii, unicode };
}

function splitAddress(email: string): { local: string; domain: string } | null {
  const at = email.lastIndexOf("@");
  return at < 0 ? null : { local: email.slice(0, at), domain: email.slice(at + 1) };
}

/**
 * The uniqueness and lookup key of any text (total: login normalizes whatever it is sent). A domain that
 * UTS #46 refuses is only folded, and a new address with one is refused by parseEmail anyway.
 */
export function normalizeEmail(email: string): string {
  // Lone surrogates are format-like (category Cs) and stripped with the rest. NFKC before splitting: a
  // fullwidth address (ＡＤＡ＠ＥＸＡＭＰＬＥ．ＣＯＭ) is the same address.
  const composed = email.trim().replace(unkeyable, "").normalize("NFKC");
  const parts = splitAddress(composed);
  if (parts === null) return fold(composed);
  const domain = canonicalDomain(parts.domain)?.unicode ?? fold(parts.domain).replace(/\.+$/, "");
  return `${fold(parts.local)}@${domain}`;
}

/**
 * The key as releases before schema version 4 computed it (trimmed, NFC, lower case), for accounts whose
 * key the upgrade could not rewrite because the new key was already another account's
 * (store/email-backfill.ts): they still sign in with the address exactly as they registered it.
 */
export function legacyEmailKey(email: string): string {
  return email.trim().normalize("NFC").toLowerCase();
}

export type ParsedEmail = Ok<{
  /** The key, which is also what the account shows. */
  readonly email: string;
}>;

/** Checks an address for a new account: its shape, its characters and its domain; returns its key. */
export function parseEmail(input: string): ParsedEmail | Refusal {
  const trimmed = input.trim();
  if (invisible.test(trimmed)) {
    return refuse(
      "VALIDATION_FAILED",
      "An e-mail address may not contain control, formatting or other invisible characters.",
    );
  }
  // NFKC first: a fullwidth address (ＡＤＡ＠ＥＸＡＭＰＬＥ．ＣＯＭ) is an address.
  const parts = splitAddress(trimmed.normalize("NFKC"));
  if (trimmed.length > maxEmailLength || /\s/u.test(trimmed) || parts === null || !keyShape.test(`${parts.local}@x`)) {
    return refuse("VALIDATION_FAILED", "Enter a valid e-mail address.");
  }
  const domain = canonicalDomain(parts.domain);
  const labels = domain?.ascii.split(".") ?? [];
  if (
    domain === null ||
    domain.ascii.length > 253 ||
    labels.length < 2 ||
    labels.some((label) => label === "" || label.length > 63) ||
    numericLabel.test(labels.at(-1) ?? "")
  ) {
    return refuse("VALIDATION_FAILED", "Enter a valid e-mail address: the part after @ is not a domain name.");
  }
  const email = normalizeEmail(trimmed);
  // Lower-casing or the domain's Unicode form can lengthen the address past the limit.
  if (email.length > maxEmailLength || !keyShape.test(email)) {
    return refuse("VALIDATION_FAILED", "Enter a valid e-mail address.");
  }
  const decomposed = email.normalize("NFD");
  if (stackedDotAbove.test(decomposed) || repeatedMark.test(decomposed)) {
    return refuse("VALIDATION_FAILED", "An e-mail address may not stack accents that make it look like another.");
  }
  return { ok: true, email };
}

/**
 * The form user search compares: Unicode-aware lower case in JavaScript, because SQLite's lower() and LIKE,
 * and PostgreSQL's under the C locale, fold ASCII only ("Émile" would not match "émile").
 */
export function searchKey(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

/** Invisible characters that may sit inside an address in free text (zero-width, soft hyphen...). */
const invisibleInText = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
/** A run of text that may be an e-mail address: no spaces or the punctuation that usually surrounds one. */
const addressLike = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/gu;

/**
 * The form free text is kept in for an erasure to find the addresses it names (audit notes): percent-
 * escapes decoded (an address copied from a URL), NFKC (fullwidth letters), invisible characters removed,
 * lower case, and every address-like run replaced by its key, so its domain is in one form whether it was
 * written in Unicode or punycode. An address is then found however it was spelled, as an account's key is.
 */
export function freeTextSearchKey(text: string): string {
  const decoded = text.replace(/(?:%[0-9a-f]{2})+/giu, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
  const folded = decoded.normalize("NFKC").replace(invisibleInText, "").toLowerCase();
  return folded.replace(addressLike, (address) => normalizeEmail(address));
}

/**
 * Whether free text names the address, however it was spelled: what an erasure looks for in audit notes.
 * The store matches the same way in SQL, on the note's freeTextSearchKey (store/audit-record.ts).
 */
export function mentionsEmail(text: string, normalizedEmail: string): boolean {
  return freeTextSearchKey(text).includes(normalizedEmail);
}
