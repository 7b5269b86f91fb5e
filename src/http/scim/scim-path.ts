/**
 * @module
 * Where the SCIM service provider lives, under PUBLIC_URL's path like every route: its paths answer SCIM
 * errors (even their 404 and 405) with the JSON API's security headers.
 */
export const scimBasePath = "/scim/v2";

/** Given a path within Gatehouse (http/route-path.ts: without PUBLIC_URL's path), never the raw URL. */
export function isScimPath(path: string): boolean {
  return path === scimBasePath || path.startsWith(`${scimBasePath}/`);
}

/** The absolute URL of /scim/v2 (meta.location and Location headers are absolute, RFC 7644 3.1). */
export function scimBaseUrl(publicUrl: URL, basePath: string): string {
  return `${publicUrl.origin}${basePath}${scimBasePath}`;
}
