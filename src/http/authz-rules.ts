import { isRole, type Role, roleRank } from "../domain/users/role.ts";

/**
 * @module
 * The verify endpoint's rule language (AUTHZ_RULES): which role a URL behind the proxy needs. A rule is
 * `<host><path prefix>=<role>`, rules separated by commas:
 *
 *     AUTHZ_RULES=*\/admin=admin, ops.example.com=superuser, .example.com/billing=admin
 *
 * The host is `*` (any), an exact host, or `.example.com` (its subdomains); the path prefix, if any, starts
 * with "/" and covers itself and everything below it, on segment boundaries (`/admin` covers `/admin` and
 * `/admin/x`, not `/administrator`). A request needs the highest role of every rule that covers it and of
 * the proxy's own `?role=`: rules only ever add requirements, so no rule can open what another closes.
 *
 * Paths are compared the way the most lenient server behind the proxy might route them, so that no
 * spelling of a protected path escapes its rule: percent-escapes decoded, slashes merged, dot segments
 * resolved, `;parameters` dropped, and case ignored. A path whose escapes are not UTF-8, or that holds a
 * control character or a backslash once decoded, is no path this language can judge (the caller answers 400).
 */
export interface AuthzRule {
  /** "*", an exact host, or ".suffix", in URL-parser form (lower case, A-labels). */
  readonly host: string;
  /** Lower case, no trailing slash; "" covers every path. */
  readonly pathPrefix: string;
  readonly role: Role;
}

export type AuthzRulesParse =
  | { readonly ok: true; readonly value: readonly AuthzRule[] }
  | { readonly ok: false; readonly message: string };

const example =
  'write rules as <host><path>=<role>, comma-separated (for example "*/admin=admin,ops.example.com=superuser")';

export function parseAuthzRules(text: string): AuthzRulesParse {
  const rules: AuthzRule[] = [];
  for (const entry of text.split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    const rule = parseRule(entry);
    if (typeof rule === "string") return { ok: false, message: `"${entry}": ${rule}; ${example}` };
    rules.push(rule);
  }
  return { ok: true, value: Object.freeze(rules) };
}

function parseRule(entry: string): AuthzRule | string {
  const equals = entry.lastIndexOf("=");
  if (equals < 0) return "no role";
  const role = entry.slice(equals + 1).trim();
  if (!isRole(role)) return `"${role}" is not a role (user, admin, superuser)`;
  const target = entry.slice(0, equals).trim();
  const slash = target.indexOf("/");
  const hostText = slash < 0 ? target : target.slice(0, slash);
  const host = ruleHost(hostText);
  if (host === null) return `"${hostText}" is not *, a host name or .domain`;
  const path = slash < 0 ? "/" : target.slice(slash);
  const normalized = comparablePath(path);
  if (normalized === null || normalized !== path.toLowerCase().replace(/\/+$/, "") || path.includes("?")) {
    return `"${path}" is not a plain path (no escapes, dot segments, doubled slashes or query)`;
  }
  return { host, pathPrefix: normalized, role };
}

function ruleHost(text: string): string | null {
  if (text === "*") return "*";
  const suffix = text.startsWith(".");
  const name = suffix ? text.slice(1) : text;
  if (!/^[a-z0-9.-]+$/i.test(name) || name.startsWith(".") || name.endsWith(".") || name.includes("..")) return null;
  return `${suffix ? "." : ""}${name.toLowerCase()}`;
}

/**
 * The form a path is compared in, without a trailing slash ("" for "/"); null when it cannot be judged.
 * `pathname` is a URL's path as the WHATWG parser gives it (escapes kept, dot segments resolved).
 */
export function comparablePath(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (/[\p{Cc}\\]/u.test(decoded)) return null;
  const segments: string[] = [];
  for (const raw of decoded.toLowerCase().split("/")) {
    const segment = raw.split(";")[0] ?? "";
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments.length === 0 ? "" : `/${segments.join("/")}`;
}

/** Where a request goes, as the rules see it; null when the proxy did not say (every rule applies). */
export interface RuleTarget {
  readonly hostname: string;
  /** comparablePath() of the URL's path. */
  readonly path: string;
}

export function requiredRole(rules: readonly AuthzRule[], target: RuleTarget | null, requested: Role): Role {
  let needed = requested;
  for (const rule of rules) {
    if (target !== null && !covers(rule, target)) continue;
    if (roleRank(rule.role) > roleRank(needed)) needed = rule.role;
  }
  return needed;
}

function covers(rule: AuthzRule, target: RuleTarget): boolean {
  const hostMatches =
    rule.host === "*" ||
    (rule.host.startsWith(".")
      ? target.hostname.length > rule.host.length && target.hostname.endsWith(rule.host)
      : target.hostname === rule.host);
  if (!hostMatches) return false;
  return rule.pathPrefix === "" || target.path === rule.pathPrefix || target.path.startsWith(`${rule.pathPrefix}/`);
}
