/**
 * @module
 * A SCIM PATCH (RFC 7644 3.5.2) applied to what Gatehouse keeps of a user, in the dialects identity providers
 * send: ops in any case (Entra ID's "Replace", "Add", "Remove"), booleans as strings ("False"), path-less value
 * maps (Okta's `{"op": "replace", "value": {"active": false}}`) with dotted or URN-prefixed keys inside them,
 * and `emails[type eq "work"].value` paths. The result is the change to make, which the provisioning use case
 * hands to the one update use case; nothing here touches the store.
 *
 * Attributes Gatehouse does not keep and that grant nothing (title, phoneNumbers, the enterprise extension...)
 * are ignored; the address (userName, emails) cannot change through SCIM (IMMUTABLE_ATTRIBUTE unless the value
 * is the one the account has); passwords, id and meta are refused; roles, groups and entitlements are refused
 * (UNSUPPORTED_ATTRIBUTE): Gatehouse would silently drop what the identity provider means to grant.
 */
import { filter as matches, parse } from "scim2-parse-filter";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { normalizeEmail } from "../users/email.ts";
import { attributeKey, isEnterpriseAttribute, scimLimits, scimPatchOpSchema } from "./scim-schemas.ts";
import {
  composeName,
  ignoredAttributes,
  isJsonObject,
  type NameParts,
  optionalText,
  parseBoolean,
  parseExternalId,
  unsupportedAttributes,
} from "./scim-user.ts";

/** What the user is now, as a PATCH sees it. */
export interface PatchTarget {
  readonly id: string;
  readonly email: string;
}

/** What a PATCH changes; an absent member is left as it is. */
export interface ScimChange {
  readonly name?: string;
  readonly externalId?: string | null;
  readonly active?: boolean;
}

type Op = "add" | "replace" | "remove";

interface Draft {
  name: { -readonly [K in keyof NameParts]: NameParts[K] };
  nameTouched: boolean;
  externalId?: string | null;
  active?: boolean;
}

type Step = Refusal | null;

export function applyScimPatch(target: PatchTarget, body: unknown): Ok<{ change: ScimChange }> | Refusal {
  if (!isJsonObject(body)) return refuse("MALFORMED_BODY", "The body must be a SCIM PatchOp message.");
  const schemas = body.schemas;
  if (
    !Array.isArray(schemas) ||
    !schemas.some((schema) => typeof schema === "string" && schema.toLowerCase() === scimPatchOpSchema.toLowerCase())
  ) {
    return refuse("MALFORMED_BODY", `schemas must include "${scimPatchOpSchema}".`);
  }
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0) {
    return refuse("MALFORMED_BODY", "Operations must be a non-empty list.");
  }
  if (operations.length > scimLimits.maxPatchOperations) {
    return refuse("VALIDATION_FAILED", `A PATCH may carry at most ${scimLimits.maxPatchOperations} operations.`);
  }
  const draft: Draft = { name: {}, nameTouched: false };
  for (const operation of operations) {
    const refused = applyOperation(target, draft, operation);
    if (refused !== null) return refused;
  }
  const change: { -readonly [K in keyof ScimChange]: ScimChange[K] } = {};
  if (draft.nameTouched) {
    const name = composeName(draft.name);
    if (!name.ok) return name;
    change.name = name.value;
  }
  if (draft.externalId !== undefined) change.externalId = draft.externalId;
  if (draft.active !== undefined) change.active = draft.active;
  return { ok: true, change };
}

function applyOperation(target: PatchTarget, draft: Draft, operation: unknown): Step {
  if (!isJsonObject(operation)) return refuse("MALFORMED_BODY", "Each operation must be an object.");
  const opText = operation.op;
  const op = typeof opText === "string" ? opText.toLowerCase() : null;
  if (op !== "add" && op !== "replace" && op !== "remove") {
    return refuse("MALFORMED_BODY", 'Each operation\'s op must be "add", "replace" or "remove".');
  }
  const path = operation.path;
  if (path !== undefined && typeof path !== "string") return refuse("INVALID_PATH", "path must be a string.");
  if (path === undefined || path.trim() === "") {
    // RFC 7644 3.5.2.2: a remove without a path has no target.
    if (op === "remove") return refuse("NO_TARGET", "A remove operation needs a path.");
    if (!isJsonObject(operation.value)) return refuse("VALIDATION_FAILED", "Without a path, value must be an object.");
    for (const [key, value] of Object.entries(operation.value)) {
      const refused = applyPath(target, draft, op, key, value, true);
      if (refused !== null) return refused;
    }
    return null;
  }
  return applyPath(target, draft, op, path, operation.value, false);
}

/** The longest path read (its value filter is parsed like a list's filter, under the same bound). */
const maxPathLength = scimLimits.maxFilterLength;

/** `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`, after the core schema's URN is taken off. */
const pathShape = /^([a-z][a-z0-9_$-]*)(?:\[(.+)\])?(?:\.([a-z][a-z0-9_$-]*))?$/;

function applyPath(
  target: PatchTarget,
  draft: Draft,
  op: Op,
  rawPath: string,
  value: unknown,
  inValueMap: boolean,
): Step {
  if (rawPath.length > maxPathLength)
    return refuse("INVALID_PATH", `A path may be at most ${maxPathLength} characters.`);
  const key = attributeKey(rawPath.trim());
  if (isEnterpriseAttribute(key)) return null;
  const shape = pathShape.exec(key);
  if (shape === null) return refuse("INVALID_PATH", "The path is not one Gatehouse can read.");
  const attribute = shape[1] as string;
  const valueFilter = shape[2];
  const sub = shape[3];
  if (ignoredAttributes.has(attribute)) return null;
  if (unsupportedAttributes.has(attribute)) {
    // Removing what Gatehouse never had changes nothing; adding or replacing would be dropped silently.
    return op === "remove"
      ? null
      : refuse("UNSUPPORTED_ATTRIBUTE", `Gatehouse does not take "${attribute}" from SCIM.`);
  }
  if (valueFilter !== undefined && attribute !== "emails") {
    return refuse("INVALID_PATH", `Only emails takes a value filter, not ${attribute}.`);
  }
  switch (attribute) {
    case "active":
      return sub === undefined ? setActive(draft, op, value) : refuse("INVALID_PATH", "active has no sub-attributes.");
    case "username":
      if (sub !== undefined) return refuse("INVALID_PATH", "userName has no sub-attributes.");
      return sameAddress(target, op, value, "userName");
    case "emails":
      return applyEmails(target, op, valueFilter, sub, value);
    case "displayname":
      if (sub !== undefined) return refuse("INVALID_PATH", "displayName has no sub-attributes.");
      return setNamePart(draft, "displayName", op, value, "displayName");
    case "name":
      return applyName(draft, op, sub, value);
    case "externalid": {
      if (sub !== undefined) return refuse("INVALID_PATH", "externalId has no sub-attributes.");
      const externalId = op === "remove" ? ({ ok: true, value: null } as const) : parseExternalId(value);
      if (!externalId.ok) return externalId;
      draft.externalId = externalId.value;
      return null;
    }
    case "id":
      // Okta's value maps may carry the id back: harmless when it is this user's.
      return inValueMap && value === target.id ? null : refuse("IMMUTABLE_ATTRIBUTE", "id is set by Gatehouse.");
    case "password":
      return refuse("IMMUTABLE_ATTRIBUTE", "Gatehouse never takes a password over SCIM.");
    case "meta":
    case "schemas":
      return refuse("IMMUTABLE_ATTRIBUTE", `${attribute} is set by Gatehouse.`);
    default:
      return refuse("INVALID_PATH", `Gatehouse has no attribute "${attribute}".`);
  }
}

function setActive(draft: Draft, op: Op, value: unknown): Step {
  if (op === "remove") return refuse("VALIDATION_FAILED", "active cannot be removed; replace it with false.");
  const active = parseBoolean(value);
  if (active === null) return refuse("VALIDATION_FAILED", "active must be a boolean.");
  draft.active = active;
  return null;
}

/** The address cannot change through SCIM; sending the one the account has (in any form of it) is no change. */
function sameAddress(target: PatchTarget, op: Op, value: unknown, label: string): Step {
  if (op !== "remove" && typeof value === "string" && normalizeEmail(value) === target.email) return null;
  return refuse("IMMUTABLE_ATTRIBUTE", `${label} is the account's e-mail address, which SCIM cannot change.`);
}

function applyEmails(
  target: PatchTarget,
  op: Op,
  valueFilter: string | undefined,
  sub: string | undefined,
  value: unknown,
): Step {
  if (valueFilter !== undefined) {
    // Matched against the account's one address, in memory: this is one value, not a list of users.
    let matched: boolean;
    try {
      matched = matches(parse(valueFilter))({ value: target.email, type: "work", primary: true });
    } catch {
      return refuse("INVALID_PATH", "The path's value filter could not be parsed.");
    }
    if (!matched)
      return refuse("NO_TARGET", "The account has one e-mail address, of type work; the filter does not match it.");
  }
  if (sub === undefined && valueFilter === undefined) {
    if (op === "remove" || !Array.isArray(value)) {
      return refuse("IMMUTABLE_ATTRIBUTE", "emails mirror userName, which SCIM cannot change.");
    }
    for (const item of value) {
      const step = sameAddress(target, op, isJsonObject(item) ? item.value : item, "emails");
      if (step !== null) return step;
    }
    return null;
  }
  if (sub === undefined) {
    return sameAddress(target, op, isJsonObject(value) ? value.value : value, "emails");
  }
  if (sub === "value") return sameAddress(target, op, value, "emails.value");
  if (sub === "type" || sub === "primary" || sub === "display") return null;
  return refuse("INVALID_PATH", `emails has no sub-attribute "${sub}".`);
}

const nameParts: Readonly<Record<string, keyof NameParts>> = {
  formatted: "formatted",
  givenname: "givenName",
  familyname: "familyName",
};
/** Parts of a name Gatehouse does not compose its one name from. */
const ignoredNameParts = new Set(["middlename", "honorificprefix", "honorificsuffix"]);

function applyName(draft: Draft, op: Op, sub: string | undefined, value: unknown): Step {
  if (sub !== undefined) {
    if (ignoredNameParts.has(sub)) return null;
    // Own keys only: `name.constructor` must not find Object.prototype's.
    const part = Object.hasOwn(nameParts, sub) ? nameParts[sub] : undefined;
    return part === undefined
      ? refuse("INVALID_PATH", `name has no sub-attribute "${sub}".`)
      : setNamePart(draft, part, op, value, `name.${part}`);
  }
  if (op === "remove") {
    for (const part of Object.values(nameParts)) draft.name[part] = "";
    draft.nameTouched = true;
    return null;
  }
  if (!isJsonObject(value)) return refuse("VALIDATION_FAILED", "name must be an object.");
  for (const [key, item] of Object.entries(value)) {
    const step = applyName(draft, op, attributeKey(key), item);
    if (step !== null) return step;
  }
  return null;
}

function setNamePart(draft: Draft, part: keyof NameParts, op: Op, value: unknown, label: string): Step {
  const text = op === "remove" ? ({ ok: true, value: "" } as const) : optionalText(value, label);
  if (!text.ok) return text;
  draft.name[part] = text.value ?? "";
  draft.nameTouched = true;
  return null;
}
