import fc from "fast-check";

/**
 * @module
 * fast-check arbitraries from the JSON Schemas of the OpenAPI document: values the schema accepts, and
 * values it refuses (one member of the wrong type, a string past its bound, a member it does not name, a
 * required member left out, hostile text). Only the JSON Schema the document uses is covered; anything
 * else fails loudly rather than generating something the schema never meant.
 */

type Json = Record<string, unknown>;

export interface SchemaContext {
  /** Resolves `#/components/schemas/X`. */
  readonly resolve: (ref: string) => Json;
}

/** Text built to break parsers and comparisons: controls, bidi overrides, zero-width, NUL, lone surrogates. */
export const hostileText = fc.constantFrom(
  "\u0000",
  "a\u202Eb",
  "\u200B",
  "\uD800",
  "\uDFFF",
  "\r\nX-Injected: 1",
  "../../etc/passwd",
  "%00",
  "'; DROP TABLE users; --",
  "<script>alert(1)</script>",
  "ｆｕｌｌｗｉｄｔｈ",
  "i\u0307",
  "\u{1F600}".repeat(40),
);

export function validValue(schema: Json, context: SchemaContext): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === "string") return validValue(context.resolve(schema.$ref), context);
  if (Array.isArray(schema.allOf)) return validValue(schema.allOf[0] as Json, context);
  if (Array.isArray(schema.anyOf))
    return fc.oneof(...(schema.anyOf as Json[]).map((branch) => validValue(branch, context)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = schema.type;
  if (Array.isArray(type)) {
    return fc.oneof(...(type as string[]).map((one) => validValue({ ...schema, type: one }, context)));
  }
  switch (type) {
    case "string":
      return validString(schema);
    case "integer":
      return fc.integer({ min: bound(schema.minimum, -1_000_000), max: bound(schema.maximum, 1_000_000) });
    case "number":
      return fc.double({ min: bound(schema.minimum, -1e6), max: bound(schema.maximum, 1e6), noNaN: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(validValue((schema.items ?? {}) as Json, context), {
        maxLength: Math.min(bound(schema.maxItems, 5), 5),
      });
    case "object":
      return validObject(schema, context);
    default:
      if (Object.keys(schema).length === 0) return fc.jsonValue({ maxDepth: 2 });
      throw new Error(`no arbitrary for schema ${JSON.stringify(schema).slice(0, 200)}`);
  }
}

function bound(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : fallback;
}

function validString(schema: Json): fc.Arbitrary<string> {
  const maxLength = Math.min(bound(schema.maxLength, 200), 300);
  const minLength = bound(schema.minLength, 0);
  if (typeof schema.pattern === "string") {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= maxLength && s.length >= minLength);
  }
  if (schema.format === "uuid") return fc.uuid();
  if (schema.format === "email") return fc.emailAddress();
  return fc.oneof(
    fc.string({ minLength, maxLength: Math.min(maxLength, 40) }),
    fc.string({ minLength, maxLength, unit: "grapheme" }),
    fc
      .constantFrom("correct horse battery staple", "someone@example.com", "admin", "")
      .filter((s) => s.length >= minLength && s.length <= maxLength),
  );
}

function validObject(schema: Json, context: SchemaContext): fc.Arbitrary<Json> {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) record[name] = validValue(property, context);
  return fc.record(record, { requiredKeys: [...required].filter((name) => name in record) });
}

/** A value the schema refuses, built from a valid one by one change. */
export function invalidValue(schema: Json, context: SchemaContext): fc.Arbitrary<unknown> {
  const resolved = typeof schema.$ref === "string" ? context.resolve(schema.$ref) : schema;
  const mutations: fc.Arbitrary<unknown>[] = [fc.constantFrom(42, true, [], "text")];
  if (resolved.type === "object" && typeof resolved.properties === "object") {
    const properties = Object.entries(resolved.properties as Record<string, Json>);
    const base = validObject(resolved, context);
    if (resolved.additionalProperties === false) {
      mutations.push(base.map((value) => ({ ...value, role: "superuser", isAdmin: true, __proto__x: 1 })));
      // Keys the schema does not name are quoted in its error: a long one, and very many of them.
      mutations.push(base.map((value) => ({ ...value, ["k".repeat(3000)]: 1 })));
      mutations.push(
        base.map((value) => ({ ...value, ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])) })),
      );
    }
    for (const [name, property] of properties) {
      mutations.push(base.chain((value) => wrongFor(property, context).map((wrong) => ({ ...value, [name]: wrong }))));
    }
    for (const name of (resolved.required ?? []) as string[]) {
      mutations.push(
        base.map((value) => {
          const { [name]: _left, ...rest } = value;
          return rest;
        }),
      );
    }
  }
  return fc.oneof(...mutations);
}

/** A value of the wrong type for a member, or past its bounds, or hostile where text is expected. */
function wrongFor(property: Json, context: SchemaContext): fc.Arbitrary<unknown> {
  const resolved = typeof property.$ref === "string" ? context.resolve(property.$ref) : property;
  const options: fc.Arbitrary<unknown>[] = [fc.constantFrom({ nested: true }, [1, 2], 1e308, -1)];
  if (resolved.type === "string") {
    options.push(fc.constant("x".repeat(bound(resolved.maxLength, 10_000) + 1)), hostileText, fc.constant(7));
  }
  if (Array.isArray(resolved.enum)) options.push(fc.constantFrom("SUPERUSER", "root", "Admin", "user\u0000"));
  return fc.oneof(...options);
}
