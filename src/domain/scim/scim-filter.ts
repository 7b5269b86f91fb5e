/**
 * @module
 * A SCIM filter (RFC 7644 3.4.2.2) as a UserCondition the store turns into SQL: parsed by scim2-parse-filter,
 * then translated attribute by attribute. Supported: `eq` on userName, emails.value, emails[type eq "work"]
 * .value, externalId, id and active; `pr`; `and` and `or`; attribute names and operators in any case. Anything
 * else is INVALID_FILTER (400 invalidFilter), never a partial match: a filter Gatehouse cannot answer exactly
 * must not look like "no such user" to an identity provider probing before it creates one.
 */
import { type Filter, parse } from "scim2-parse-filter";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { UserCondition } from "../ports.ts";
import { normalizeEmail } from "../users/email.ts";
import { attributeKey, scimLimits } from "./scim-schemas.ts";

type Translated = Ok<{ condition: UserCondition }> | Refusal;

export function scimFilterCondition(text: string): Translated {
  if (text.length > scimLimits.maxFilterLength) {
    return refuse("INVALID_FILTER", `A filter may be at most ${scimLimits.maxFilterLength} characters.`);
  }
  let ast: Filter;
  try {
    ast = parse(text);
  } catch {
    return refuse("INVALID_FILTER", "The filter could not be parsed.");
  }
  return translate(ast);
}

const ok = (condition: UserCondition): Translated => ({ ok: true, condition });
const unsupported = (what: string): Refusal => refuse("INVALID_FILTER", `Unsupported in a filter: ${what}.`);

function translate(filter: Filter): Translated {
  switch (filter.op) {
    case "and":
    case "or": {
      const conditions: UserCondition[] = [];
      for (const part of filter.filters) {
        const translated = translate(part);
        if (!translated.ok) return translated;
        conditions.push(translated.condition);
      }
      return ok({ kind: filter.op, conditions });
    }
    case "[]":
      if (attributeKey(filter.attrPath) !== "emails") return unsupported(`${filter.attrPath}[...]`);
      return translateEmailFilter(filter.valFilter);
    case "pr":
      return present(attributeKey(filter.attrPath));
    case "eq":
      return equals(attributeKey(filter.attrPath), filter.compValue);
    default:
      return unsupported(`the operator "${filter.op}"`);
  }
}

/** Inside `emails[...]`: the account's one address, of type work, primary. */
function translateEmailFilter(filter: Filter): Translated {
  switch (filter.op) {
    case "and":
    case "or": {
      const conditions: UserCondition[] = [];
      for (const part of filter.filters) {
        const translated = translateEmailFilter(part);
        if (!translated.ok) return translated;
        conditions.push(translated.condition);
      }
      return ok({ kind: filter.op, conditions });
    }
    case "pr":
      return ["value", "type", "primary"].includes(attributeKey(filter.attrPath))
        ? ok({ kind: "always" })
        : unsupported(`emails.${filter.attrPath}`);
    case "eq": {
      const key = attributeKey(filter.attrPath);
      const value = filter.compValue;
      if (key === "value") return equals("emails.value", value);
      // `type` is case-insensitive (RFC 7643 4.1.2: caseExact false).
      if (key === "type" && typeof value === "string")
        return ok({ kind: value.toLowerCase() === "work" ? "always" : "never" });
      if (key === "primary" && typeof value === "boolean") return ok({ kind: value ? "always" : "never" });
      return unsupported(`emails[${filter.attrPath} eq ...]`);
    }
    default:
      return unsupported(`the operator "${filter.op}"`);
  }
}

function present(key: string): Translated {
  if (key === "externalid") return ok({ kind: "hasExternalId" });
  if (["id", "username", "active", "emails", "emails.value", "name", "displayname", "meta"].includes(key)) {
    return ok({ kind: "always" });
  }
  return unsupported(`${key} pr`);
}

function equals(key: string, value: unknown): Translated {
  switch (key) {
    case "username":
    case "emails.value":
      // userName is case-insensitive (caseExact false): the address's key compares every form of it alike.
      return typeof value === "string"
        ? ok({ kind: "eq", field: "email", value: normalizeEmail(value) })
        : unsupported(`${key} compared with a non-string`);
    case "externalid":
      return typeof value === "string"
        ? ok({ kind: "eq", field: "externalId", value })
        : unsupported("externalId compared with a non-string");
    case "id":
      return typeof value === "string"
        ? ok({ kind: "eq", field: "id", value })
        : unsupported("id compared with a non-string");
    case "active": {
      const active = typeof value === "string" ? booleanText(value) : value;
      return typeof active === "boolean"
        ? ok({ kind: "status", value: active ? "active" : "disabled" })
        : unsupported("active compared with a non-boolean");
    }
    default:
      return unsupported(`the attribute "${key}"`);
  }
}

/** Entra ID writes booleans as strings ("True", "False"). */
export function booleanText(text: string): boolean | null {
  const lower = text.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : null;
}
