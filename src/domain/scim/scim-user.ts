/**
 * @module
 * A Gatehouse account as a SCIM User (RFC 7643 4.1) and back. The account has one address, which is both
 * its `userName` and its one work e-mail, one display name, an optional `externalId` and a status:
 * - out: id, userName, name.formatted, displayName, emails [{value, type: "work", primary: true}], active,
 *   externalId, meta (resourceType, created, lastModified, location, version);
 * - in (POST and PUT): `userName` is the address; `displayName`, else `name.formatted`, else `name.givenName`
 *   + `name.familyName`, is the name; `externalId`; `active`. `emails` mirror userName and are ignored
 *   (readOnly, RFC 7644 3.5.1); a password is refused (Gatehouse never takes one over SCIM), as are roles,
 *   groups and entitlements (Gatehouse keeps none: the role is always `user`); other attributes are ignored.
 */
import { type Ok, type Refusal, refuse } from "../errors.ts";
import type { ProvisionedUser } from "../ports.ts";
import { maxNameLength } from "../users/user.ts";
import { booleanText } from "./scim-filter.ts";
import { attributeKey, isEnterpriseAttribute, scimLimits, scimUserSchema } from "./scim-schemas.ts";

export interface ScimUserResource {
  readonly schemas: readonly string[];
  readonly id: string;
  readonly externalId?: string;
  readonly userName: string;
  readonly name?: { readonly formatted: string };
  readonly displayName?: string;
  readonly emails: readonly { readonly value: string; readonly type: "work"; readonly primary: true }[];
  readonly active: boolean;
  readonly meta: {
    readonly resourceType: "User";
    readonly created: string;
    readonly lastModified: string;
    readonly location: string;
    readonly version: string;
  };
}

/** A weak ETag of the account's last change: what `meta.version` and the ETag header say. */
export function scimVersion(provisioned: ProvisionedUser): string {
  return `W/"${provisioned.user.updatedAt.toString(36)}"`;
}

/** `usersUrl`: the absolute URL of /scim/v2/Users, under PUBLIC_URL. */
export function toScimUser(provisioned: ProvisionedUser, usersUrl: string): ScimUserResource {
  const { user, externalId } = provisioned;
  return {
    schemas: [scimUserSchema],
    id: user.id,
    ...(externalId === null ? {} : { externalId }),
    userName: user.email,
    ...(user.name === "" ? {} : { name: { formatted: user.name }, displayName: user.name }),
    emails: [{ value: user.email, type: "work", primary: true }],
    active: user.status === "active",
    meta: {
      resourceType: "User",
      created: new Date(user.createdAt).toISOString(),
      lastModified: new Date(user.updatedAt).toISOString(),
      location: `${usersUrl}/${encodeURIComponent(user.id)}`,
      version: scimVersion(provisioned),
    },
  };
}

/** What a POST or PUT body asks the account to be. `active` absent: as it is (a PUT never re-enables by omission). */
export interface ScimUserFields {
  readonly userName: string;
  readonly name: string;
  readonly externalId: string | null;
  readonly active: boolean | undefined;
}

export type JsonObject = Readonly<Record<string, unknown>>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object's members by their case-insensitive name (the last of two spellings wins, as JSON's last key does). */
export function membersByKey(object: JsonObject): Map<string, unknown> {
  const members = new Map<string, unknown>();
  for (const [key, value] of Object.entries(object)) members.set(attributeKey(key), value);
  return members;
}

/** Attributes Gatehouse does not keep and that grant nothing: ignored wherever they are sent. */
export const ignoredAttributes: ReadonlySet<string> = new Set([
  "nickname",
  "profileurl",
  "title",
  "usertype",
  "preferredlanguage",
  "locale",
  "timezone",
  "phonenumbers",
  "ims",
  "photos",
  "addresses",
]);

/** Attributes that would change what someone may do, which Gatehouse never takes from SCIM. */
export const unsupportedAttributes: ReadonlySet<string> = new Set([
  "roles",
  "groups",
  "entitlements",
  "x509certificates",
]);

type Parsed<T> = Ok<{ value: T }> | Refusal;

export function parseScimUser(body: unknown): Parsed<ScimUserFields> {
  if (!isJsonObject(body)) return refuse("MALFORMED_BODY", "The body must be a SCIM User object.");
  const members = membersByKey(body);
  const schemas = members.get("schemas");
  if (
    !Array.isArray(schemas) ||
    !schemas.some((schema) => typeof schema === "string" && schema.toLowerCase() === scimUserSchema.toLowerCase())
  ) {
    return refuse("MALFORMED_BODY", `schemas must include "${scimUserSchema}".`);
  }
  for (const [key, value] of members) {
    if (key === "password") return refuse("IMMUTABLE_ATTRIBUTE", "Gatehouse never takes a password over SCIM.");
    if (unsupportedAttributes.has(key) && !isEmpty(value)) {
      return refuse("UNSUPPORTED_ATTRIBUTE", `Gatehouse does not take "${key}" from SCIM.`);
    }
    if (key.startsWith("urn:") && !isEnterpriseAttribute(key)) {
      return refuse(
        "UNSUPPORTED_ATTRIBUTE",
        "Gatehouse supports no schema extension but the enterprise User's (ignored).",
      );
    }
  }
  const userName = members.get("username");
  if (typeof userName !== "string" || userName.trim() === "") {
    return refuse("VALIDATION_FAILED", "userName is required: the account's e-mail address.");
  }
  const emails = members.get("emails");
  if (emails !== undefined && emails !== null && !isEmailList(emails)) {
    return refuse("VALIDATION_FAILED", "emails must be a list of objects with a string value.");
  }
  const name = nameOf(members);
  if (!name.ok) return name;
  const externalId = parseExternalId(members.get("externalid"));
  if (!externalId.ok) return externalId;
  const active = members.get("active");
  const parsedActive = active === undefined || active === null ? undefined : parseBoolean(active);
  if (parsedActive === null) return refuse("VALIDATION_FAILED", "active must be a boolean.");
  return {
    ok: true,
    value: { userName, name: name.value, externalId: externalId.value, active: parsedActive },
  };
}

function isEmpty(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

function isEmailList(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => isJsonObject(item) && typeof item.value === "string");
}

/** A boolean, or Entra ID's "True" / "False"; null for anything else. */
export function parseBoolean(value: unknown): boolean | null {
  if (typeof value === "boolean") return value;
  return typeof value === "string" ? booleanText(value) : null;
}

export function parseExternalId(value: unknown): Parsed<string | null> {
  if (value === undefined || value === null || value === "") return { ok: true, value: null };
  if (typeof value !== "string" || value.length > scimLimits.maxExternalIdLength || /\p{C}/u.test(value)) {
    return refuse(
      "VALIDATION_FAILED",
      `externalId must be text of at most ${scimLimits.maxExternalIdLength} characters, without control characters.`,
    );
  }
  return { ok: true, value };
}

export function optionalText(value: unknown, label: string): Parsed<string | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (value === null) return { ok: true, value: "" };
  if (typeof value !== "string") return refuse("VALIDATION_FAILED", `${label} must be a string.`);
  return { ok: true, value: value.trim() };
}

/** The parts a name comes from; undefined: not sent. */
export interface NameParts {
  readonly displayName?: string;
  readonly formatted?: string;
  readonly givenName?: string;
  readonly familyName?: string;
}

/** The one name Gatehouse keeps: displayName, else name.formatted, else givenName + familyName. */
export function composeName(parts: NameParts): Parsed<string> {
  const joined = [parts.givenName, parts.familyName].filter((part) => part !== undefined && part !== "").join(" ");
  const name = [parts.displayName, parts.formatted, joined].find((part) => part !== undefined && part !== "") ?? "";
  if (name.length > maxNameLength)
    return refuse("VALIDATION_FAILED", `The name may be at most ${maxNameLength} characters.`);
  return { ok: true, value: name };
}

function nameOf(members: Map<string, unknown>): Parsed<string> {
  const displayName = optionalText(members.get("displayname"), "displayName");
  if (!displayName.ok) return displayName;
  const name = members.get("name");
  if (name !== undefined && name !== null && !isJsonObject(name))
    return refuse("VALIDATION_FAILED", "name must be an object.");
  const parts = name === undefined || name === null ? new Map<string, unknown>() : membersByKey(name);
  const formatted = optionalText(parts.get("formatted"), "name.formatted");
  if (!formatted.ok) return formatted;
  const givenName = optionalText(parts.get("givenname"), "name.givenName");
  if (!givenName.ok) return givenName;
  const familyName = optionalText(parts.get("familyname"), "name.familyName");
  if (!familyName.ok) return familyName;
  return composeName({
    ...defined("displayName", displayName.value),
    ...defined("formatted", formatted.value),
    ...defined("givenName", givenName.value),
    ...defined("familyName", familyName.value),
  });
}

function defined<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
