import type { FastifyRequest } from "fastify";

/**
 * @module
 * The path the edge's checks decide by (JSON-only bodies, which header set, API or page errors): the
 * pattern of the route that matched, never the raw URL. The router decodes percent-escapes before it
 * matches, so `/%61pi/users/:id` reaches the API handler while `request.url` does not start with "/api/".
 * An unmatched path is decided by its decoded form, the way the router would have read it.
 *
 * Under a PUBLIC_URL with a path (`https://app.example/auth`) every route is registered under that prefix
 * (src/app.ts), and the path is given without it: `/auth/api/account` is decided as `/api/account`. A path
 * outside the prefix has no route; it is decided as it stands.
 */
export function routePath(request: FastifyRequest, basePath: string): string {
  return withinBase(request.routeOptions.url ?? decodedPath(request.url), basePath);
}

/** PUBLIC_URL's path without its trailing slash: "" at the root, else "/auth" (config.ts allows no other characters). */
export function basePathOf(publicUrl: URL): string {
  return publicUrl.pathname.replace(/\/+$/, "");
}

/** A route's pattern as the edge decides by it: without the prefix it was registered under (PUBLIC_URL's path). */
export function routePattern(route: { readonly url: string; readonly prefix?: string }): string {
  return withinBase(route.url, route.prefix ?? "");
}

function withinBase(path: string, basePath: string): string {
  if (basePath === "" || !path.startsWith(basePath)) return path;
  const rest = path.slice(basePath.length);
  if (rest === "") return "/";
  return rest.startsWith("/") ? rest : path;
}

function decodedPath(url: string): string {
  const end = url.indexOf("?");
  const path = end === -1 ? url : url.slice(0, end);
  try {
    return decodeURIComponent(path);
  } catch {
    // Fastify refuses an undecodable URL before routing (frameworkErrors): this is only a fallback.
    return path;
  }
}
