/**
 * @module
 * The discovery documents (RFC 7643 5-7, RFC 7644 4): what this service provider supports, stated from the
 * same constants the parsers enforce (scim-schemas.ts), so the documents cannot promise what is refused.
 * `base` is the absolute URL of /scim/v2 under PUBLIC_URL.
 */
import { maxNameLength } from "../users/user.ts";
import {
  scimLimits,
  scimResourceTypeSchema,
  scimSchemaSchema,
  scimServiceProviderConfigSchema,
  scimUserSchema,
} from "./scim-schemas.ts";

export function serviceProviderConfig(base: string) {
  return {
    schemas: [scimServiceProviderConfigSchema],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: scimLimits.maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "Gatehouse API token",
        description: "Authorization: Bearer with a Gatehouse API token that has the scim scope.",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` },
  };
}

export function userResourceType(base: string) {
  return {
    schemas: [scimResourceTypeSchema],
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "A Gatehouse account (always of role user when SCIM creates it).",
    schema: scimUserSchema,
    schemaExtensions: [],
    meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/User` },
  };
}

interface AttributeOptions {
  readonly description: string;
  readonly type?: "string" | "boolean" | "complex";
  readonly multiValued?: boolean;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly mutability?: "readOnly" | "readWrite" | "immutable";
  readonly uniqueness?: "none" | "server";
  readonly subAttributes?: readonly ScimAttribute[];
}

export interface ScimAttribute {
  readonly name: string;
  readonly type: "string" | "boolean" | "complex";
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: "readOnly" | "readWrite" | "immutable";
  readonly returned: "default";
  readonly uniqueness: "none" | "server";
  readonly subAttributes?: readonly ScimAttribute[];
}

function attribute(name: string, options: AttributeOptions): ScimAttribute {
  return {
    name,
    type: options.type ?? "string",
    multiValued: options.multiValued ?? false,
    description: options.description,
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? "readWrite",
    returned: "default",
    uniqueness: options.uniqueness ?? "none",
    ...(options.subAttributes === undefined ? {} : { subAttributes: options.subAttributes }),
  };
}

export function userSchema(base: string) {
  return {
    schemas: [scimSchemaSchema],
    id: scimUserSchema,
    name: "User",
    description: "A Gatehouse account: one e-mail address (its userName), one name, a status.",
    attributes: [
      attribute("userName", {
        description: "The account's e-mail address, normalized; set at creation, never changed over SCIM.",
        required: true,
        mutability: "immutable",
        uniqueness: "server",
      }),
      attribute("name", {
        type: "complex",
        description: `Gatehouse keeps one name (at most ${maxNameLength} characters): displayName, else formatted, else givenName and familyName.`,
        subAttributes: [
          attribute("formatted", { description: "The account's name." }),
          attribute("givenName", { description: "Composes the name when no displayName or formatted is sent." }),
          attribute("familyName", { description: "Composes the name when no displayName or formatted is sent." }),
        ],
      }),
      attribute("displayName", { description: "The account's name." }),
      attribute("emails", {
        type: "complex",
        multiValued: true,
        mutability: "readOnly",
        description: "The account's one address (its userName), of type work, primary.",
        subAttributes: [
          attribute("value", { description: "The address.", mutability: "readOnly" }),
          attribute("type", { description: "Always work.", mutability: "readOnly" }),
          attribute("primary", { type: "boolean", description: "Always true.", mutability: "readOnly" }),
        ],
      }),
      attribute("active", {
        type: "boolean",
        description: "false disables the account and ends every session and API token of it at once.",
      }),
    ],
    meta: { resourceType: "Schema", location: `${base}/Schemas/${scimUserSchema}` },
  };
}
