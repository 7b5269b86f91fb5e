/**
 * @module
 * The admin groups' denial handler, shared by the API and the pages: a role with no administrative
 * permission that reaches an admin route is refused, and the refusal is audited like any other. The API's
 * session-only groups use it too, for an API token they refuse, as does a token-only group (SCIM) for a token
 * without the scope it needs (INSUFFICIENT_SCOPE).
 */
import type { Actor } from "../domain/actor.ts";
import { recordDenial } from "../domain/audit/denial-record.ts";
import type { Deps } from "../domain/deps.ts";
import { type Refusal, refuse } from "../domain/errors.ts";
import { requestMeta } from "./request-meta.ts";
import type { AdminDenial } from "./route-policy.ts";

export function auditedAdminDenial(deps: Deps): AdminDenial {
  return async function auditAdminDenial(request, actor: Actor, refusal: Refusal = refuse("FORBIDDEN")) {
    const id = (request.params as { id?: unknown }).id;
    return recordDenial(
      deps,
      actor,
      requestMeta(request),
      `${request.method} ${request.routeOptions.url}`,
      typeof id === "string" ? id : null,
      refusal,
    );
  };
}
