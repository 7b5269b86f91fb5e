/**
 * @module
 * A UserCondition (domain/ports.ts) as a WHERE clause with its parameters: one SQL text for both engines.
 * Every value is a parameter, every column name is fixed here, so nothing a filter says reaches the SQL text
 * but its shape (and its size is bounded by the filter's, domain/scim/scim-filter.ts).
 */
import type { UserCondition } from "../domain/ports.ts";
import type { SqlParam } from "./sql-engine.ts";

const columns = { id: "id", email: "email_normalized", externalId: "external_id" } as const;

export function userConditionSql(condition: UserCondition): { sql: string; params: SqlParam[] } {
  switch (condition.kind) {
    case "always":
      return { sql: "1 = 1", params: [] };
    case "never":
      return { sql: "1 = 0", params: [] };
    case "eq":
      return { sql: `${columns[condition.field]} = ?`, params: [condition.value] };
    case "hasExternalId":
      return { sql: "external_id IS NOT NULL", params: [] };
    case "status":
      return { sql: "status = ?", params: [condition.value] };
    case "deletionPending":
      return { sql: condition.value ? "purge_after IS NOT NULL" : "purge_after IS NULL", params: [] };
    case "and":
    case "or": {
      if (condition.conditions.length === 0) return { sql: condition.kind === "and" ? "1 = 1" : "1 = 0", params: [] };
      const parts = condition.conditions.map(userConditionSql);
      return {
        sql: parts.map((part) => `(${part.sql})`).join(condition.kind === "and" ? " AND " : " OR "),
        params: parts.flatMap((part) => part.params),
      };
    }
  }
}
