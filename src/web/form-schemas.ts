/**
 * @module
 * What the pages' forms send, beside their own fields: the anti-forgery token, and the blanks of a GET
 * filter form.
 */
import { z } from "zod";

/** The body of a form that carries nothing but its anti-forgery token (`_csrf`, read by http/csrf.ts). */
export const csrfOnly = z.object({ _csrf: z.string().max(200).optional() });

/**
 * The query of a GET form. The browser sends every field, "" for one left empty (a select's "Any"): for
 * the `blankable` fields that means "not given", so the blank is dropped before validation. The `exact`
 * ones keep their own rule, so an empty `before` is still a 400, as on the API.
 */
export function formQuery<Blankable extends z.ZodRawShape, Exact extends z.ZodRawShape>(
  blankable: Blankable,
  exact: Exact,
) {
  const names: ReadonlySet<string> = new Set(Object.keys(blankable));
  return z.preprocess((query) => withoutBlanks(query, names), z.object({ ...blankable, ...exact }));
}

function withoutBlanks(query: unknown, names: ReadonlySet<string>): unknown {
  if (typeof query !== "object" || query === null) return query;
  return Object.fromEntries(Object.entries(query).filter(([name, value]) => value !== "" || !names.has(name)));
}
