import { readFileSync } from "node:fs";
import { z } from "zod";
import { roles } from "../../src/domain/users/role.ts";

/**
 * Loads test/authz-matrix.json and checks its shape, so a typo in the data fails loudly instead of
 * silently dropping cells. The JSON is the specification; this file only reads it.
 */
export const actorKinds = ["anonymous", "user", "admin", "superuser"] as const;
export type ActorKind = (typeof actorKinds)[number];

export const targetKinds = ["own", "lower", "equal", "higher", "missing"] as const;
export type TargetKind = (typeof targetKinds)[number];

const cellPattern = /^(n\/a|[1-5]\d\d( [A-Z][A-Z_]+)?)$/;
const cellText = z.string().regex(cellPattern, 'a cell is "n/a", "200" or "403 CODE"');
const cellSeparator = " | ";
/** One actor's cells for every target kind, in the order of targetKinds. */
const cellRow = z
  .string()
  .refine(
    (row) => row.split(cellSeparator).length === targetKinds.length,
    `a row has ${targetKinds.length} cells separated by "${cellSeparator}"`,
  )
  .refine((row) => row.split(cellSeparator).every((cell) => cellPattern.test(cell)), "a cell in the row is malformed");
const byActor = <T extends z.ZodType>(cell: T) =>
  z.strictObject({ anonymous: cell, user: cell, admin: cell, superuser: cell });

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const setup = z.strictObject({
  signedInMinutesAgo: z.number().int().positive().optional(),
  bystanderSuperuser: z.boolean().optional(),
  targetScheduledForDeletion: z.boolean().optional(),
});

const common = {
  method: z.enum(["GET", "POST", "PATCH", "DELETE"]),
  path: z.string().startsWith("/api/"),
  variant: z.string().optional(),
  query: z
    .string()
    .regex(/^[^?#]+$/)
    .optional(),
  audited: z.literal(false).optional(),
  body: z.record(z.string(), jsonValue).optional(),
  setup: setup.optional(),
};

const route = z.discriminatedUnion("target", [
  z.strictObject({ ...common, target: z.literal("none"), cells: byActor(cellText) }),
  z.strictObject({ ...common, target: z.enum(["user", "session", "role"]), cells: byActor(cellRow) }),
]);

const roleOrNull = z.enum(roles).nullable();
const matrixFile = z.strictObject({
  $comment: z.array(z.string()),
  actors: z.tuple([z.literal("anonymous"), z.literal("user"), z.literal("admin"), z.literal("superuser")]),
  targetKinds: z.tuple([
    z.literal("own"),
    z.literal("lower"),
    z.literal("equal"),
    z.literal("higher"),
    z.literal("missing"),
  ]),
  targetRoles: byActor(z.strictObject({ own: roleOrNull, lower: roleOrNull, equal: roleOrNull, higher: roleOrNull })),
  routes: z.array(route).min(1),
});

export type MatrixFile = z.infer<typeof matrixFile>;
export type MatrixRoute = MatrixFile["routes"][number];
export type RouteSetup = z.infer<typeof setup>;

export const matrixPath = new URL("../authz-matrix.json", import.meta.url);

export function loadMatrix(): MatrixFile {
  return matrixFile.parse(JSON.parse(readFileSync(matrixPath, "utf8")));
}

/** One cell: the expected answer for one actor and one target kind on one route. */
export interface MatrixCell {
  readonly route: MatrixRoute;
  readonly actor: ActorKind;
  /** null for routes without a target. */
  readonly target: TargetKind | null;
  readonly status: number;
  /** The problem code a refusal must carry. */
  readonly code: string | null;
  readonly name: string;
}

export function routeLabel(route: MatrixRoute): string {
  const query = route.query === undefined ? "" : `?${route.query}`;
  return `${route.method} ${route.path}${query}${route.variant === undefined ? "" : ` (${route.variant})`}`;
}

function toCell(route: MatrixRoute, actor: ActorKind, target: TargetKind | null, text: string): MatrixCell | null {
  if (text === "n/a") return null;
  const [status = "", code] = text.split(" ");
  const on = target === null ? "" : ` on ${target}`;
  return {
    route,
    actor,
    target,
    status: Number(status),
    code: code ?? null,
    name: `${actor} ${routeLabel(route)}${on} -> ${text}`,
  };
}

/** Every cell of a route that exists (n/a cells are left out). */
export function cellsOf(route: MatrixRoute): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const actor of actorKinds) {
    if (route.target === "none") {
      const cell = toCell(route, actor, null, route.cells[actor]);
      if (cell !== null) cells.push(cell);
      continue;
    }
    const row = route.cells[actor].split(cellSeparator);
    targetKinds.forEach((target, index) => {
      const cell = toCell(route, actor, target, row[index] ?? "");
      if (cell !== null) cells.push(cell);
    });
  }
  return cells;
}
