import { inspect } from "node:util";

/**
 * @module
 * SMTP_URL and MAIL_FROM, read strictly (like DATABASE_URL, store/database-url.ts): `smtp://` or `smtps://`
 * (the scheme in any case), a host, an optional port, optional credentials in the URL; anything else stops the
 * program with a sentence naming the variable. The password is kept out of every rendering of the result (a
 * log line, an error, `gatehouse settings show`, util.inspect): `toJSON` and `inspect` show it as `***`.
 */
export interface SmtpTarget {
  /** smtps: TLS from the first byte (port 465 by default); smtp: STARTTLS when the server offers it (587). */
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string | null;
  readonly password: string | null;
}

export type ParsedSmtpUrl =
  | { readonly ok: true; readonly target: SmtpTarget }
  | { readonly ok: false; readonly problem: string };

const schemePattern = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

export function parseSmtpUrl(text: string): ParsedSmtpUrl {
  const scheme = schemePattern.exec(text)?.[1]?.toLowerCase();
  if (scheme !== "smtp" && scheme !== "smtps") {
    return { ok: false, problem: "must be smtp://[user[:password]@]host[:port] or smtps://… (the mail server)" };
  }
  // The scheme lower-cased for the URL parser; the rest as given. Parsed as http(s) so that the WHATWG parser
  // treats it as a special URL (host normalized, port checked); the scheme itself decides TLS.
  const url = URL.parse(`${scheme === "smtps" ? "https" : "http"}${text.slice(scheme.length)}`);
  if (url === null || url.hostname === "") return { ok: false, problem: "is not a URL with a host (smtp://host:port)" };
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    return { ok: false, problem: "must hold no path, query or fragment: smtp://[user[:password]@]host[:port]" };
  }
  const defaultPort = scheme === "smtps" ? 465 : 587;
  const target: SmtpTarget = {
    secure: scheme === "smtps",
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? defaultPort : Number(url.port),
    user: url.username === "" ? null : decodeURIComponent(url.username),
    password: url.password === "" ? null : decodeURIComponent(url.password),
  };
  const shown = `${scheme}://${target.user === null ? "" : `${url.username}${target.password === null ? "" : ":***"}@`}${url.host}`;
  Object.defineProperty(target, "toJSON", { value: () => shown, enumerable: false });
  Object.defineProperty(target, inspect.custom, { value: () => shown, enumerable: false });
  return { ok: true, target: Object.freeze(target) };
}

/** `address@example.com` or `Name <address@example.com>`; no line breaks (a header value) or angle brackets inside. */
const bareAddress = /^[^\s@<>"(),;:\\[\]]+@[^\s@<>"(),;:\\[\]]+\.[^\s@<>"(),;:\\[\]]+$/;
const namedAddress = /^([^<>"\p{Cc}]{1,100}) <([^<>]+)>$/u;

export type ParsedMailFrom =
  | { readonly ok: true; readonly from: string }
  | { readonly ok: false; readonly problem: string };

export function parseMailFrom(text: string): ParsedMailFrom {
  const value = text.trim();
  const named = namedAddress.exec(value);
  const address = named === null ? value : (named[2] as string);
  if (!bareAddress.test(address) || value.length > 300) {
    return { ok: false, problem: "must be an address (gatehouse@example.com) or Name <gatehouse@example.com>" };
  }
  return { ok: true, from: value };
}
