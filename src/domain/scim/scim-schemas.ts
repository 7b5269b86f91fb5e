/**
 * @module
 * The SCIM 2.0 names Gatehouse speaks (RFC 7643, 7644) and the bounds it holds requests to, in one place:
 * the discovery documents (scim-discovery.ts) publish the same numbers the parsers enforce.
 */
export const scimUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
export const scimPatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const scimListResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
export const scimServiceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
export const scimResourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
export const scimSchemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/** Entra ID and Okta may send its attributes; Gatehouse keeps none of them and ignores them. */
export const scimEnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

export const scimLimits = {
  /** A list's page: `count` above this is served as this (RFC 7644 3.4.2.4), and it is also the default. */
  maxResults: 100,
  /** The longest `filter` parsed; longer is invalidFilter (the SQL it becomes grows with it). */
  maxFilterLength: 1000,
  /** The most operations in one PATCH. */
  maxPatchOperations: 100,
  /** The largest `startIndex` taken (a 32-bit offset on both engines). */
  maxStartIndex: 2_147_483_647,
  /** An externalId's longest form (Entra's are GUIDs, Okta's 20 characters). */
  maxExternalIdLength: 512,
} as const;

/**
 * An attribute name as the rules compare it: SCIM names are case-insensitive (RFC 7643 2.1), and a core
 * User attribute may be written with its schema URN in front (`urn:...:core:2.0:User:userName`).
 */
export function attributeKey(name: string): string {
  const lower = name.toLowerCase();
  const prefix = `${scimUserSchema.toLowerCase()}:`;
  return lower.startsWith(prefix) ? lower.slice(prefix.length) : lower;
}

/** The enterprise extension, by its URN alone or one of its attributes (`urn:...:enterprise:2.0:User:department`). */
export function isEnterpriseAttribute(key: string): boolean {
  const urn = scimEnterpriseUserSchema.toLowerCase();
  return key === urn || key.startsWith(`${urn}:`);
}
