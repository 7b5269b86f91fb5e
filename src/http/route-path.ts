import type { FastifyRequest } from "fastify";

/**
 * @module
 * The path the edge's checks decide by (JSON-only bodies, which header set, API or page errors): the
 * pattern of the route that matched, never the raw URL. The router decodes percent-escapes before it
 * matches, so `/%61pi/users/:id` reaches the API handler while `request.url` does not start with "/api/".
 * An unmatched path is decided by its decoded form, the way the router would have read it.
 */
export function routePath(request: FastifyRequest): string {
  return request.routeOptions.url ?? decodedPath(request.url);
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
