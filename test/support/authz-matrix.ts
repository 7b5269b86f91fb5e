import { readFileSync } from "node:fs";
import { z } from "zod";
import { tokenScopes } from "../../src/domain/tokens/api-token.ts";
import { roles } from "../../src/domain/users/role.ts";

/**
 * Loads test/authz-matrix.json and checks its shape, so a typo in the data fails loudly instead of
 * silently dropping cells. The JSON is the specification; this file only reads it.
 */
export const actorKinds = ["anonymous", "user", "admin", "superuser"] as const;
export type ActorKind = (typeof actorKinds)[number];

/** The roles that can own an API token (a user's role holds no scope: authz.ts). */
const tokenOwnerRoles = ["admin", "superuser"] as const;

/**
 * What is done to a token (or its request) after its creation and before the cell's request: its owner
 * demoted to user, its lifetime over, revoked by its owner, or sent along with the owner's session cookie.
 */
export const tokenStates = ["ownerDemoted", "expired", "revoked", "withCookie"] as const;
export type TokenState = (typeof tokenStates)[number];

const tokenActor = z.strictObject({
  owner: z.enum(tokenOwnerRoles),
  scopes: z.array(z.enum(tokenScopes)).min(1),
  state: z.enum(tokenStates).optional(),
});
export type TokenActor = z.infer<typeof tokenActor>;

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
  /** target "webhook": the URL names an endpoint (and a delivery) that does not exist. */
  webhookMissing: z.boolean().optional(),
  deliveryMissing: z.boolean().optional(),
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

/** A token actor's cells, by its name in `tokenActors` (every actor must have them: checked in loadMatrix). */
const byTokenActor = <T extends z.ZodType>(cell: T) => z.record(z.string(), cell);

const route = z.discriminatedUnion("target", [
  // "webhook": the URL's :id is a webhook endpoint (and :deliveryId one of its deliveries), planted for the
  // cell; an endpoint belongs to no user, so there is one cell per actor, as for "none".
  z.strictObject({
    ...common,
    target: z.enum(["none", "webhook"]),
    cells: byActor(cellText),
    tokens: byTokenActor(cellText),
  }),
  z.strictObject({
    ...common,
    target: z.enum(["user", "session", "role", "token"]),
    cells: byActor(cellRow),
    tokens: byTokenActor(cellRow),
  }),
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
  tokenActors: z.record(z.string().regex(/^[a-z][a-z0-9 :,-]*$/), tokenActor),
  routes: z.array(route).min(1),
});

export type MatrixFile = z.infer<typeof matrixFile>;
export type MatrixRoute = MatrixFile["routes"][number];
export type RouteSetup = z.infer<typeof setup>;

export const matrixPath = new URL("../authz-matrix.json", import.meta.url);

export function loadMatrix(): MatrixFile {
  const matrix = matrixFile.parse(JSON.parse(readFileSync(matrixPath, "utf8")));
  // Every route answers every token actor, and names no other: a new route cannot forget the token principal.
  const names = Object.keys(matrix.tokenActors).sort();
  for (const route of matrix.routes) {
    const given = Object.keys(route.tokens).sort();
    if (JSON.stringify(given) !== JSON.stringify(names)) {
      throw new Error(
        `${routeLabel(route)}: tokens must name exactly ${names.join(", ")}; it names ${given.join(", ")}`,
      );
    }
  }
  return matrix;
}

/** One cell: the expected answer for one actor and one target kind on one route. */
export interface MatrixCell {
  readonly route: MatrixRoute;
  /** A role's signed-in user (or anonymous), or the name of a token actor (then `token` is set). */
  readonly actor: string;
  /** The token actor; null for the session actors. */
  readonly token: TokenActor | null;
  /** Whose targetRoles the target kinds use: the actor's role, or the token owner's. */
  readonly rolesOf: ActorKind;
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

function toCell(
  route: MatrixRoute,
  actor: string,
  token: TokenActor | null,
  target: TargetKind | null,
  text: string,
): MatrixCell | null {
  if (text === "n/a") return null;
  const [status = "", code] = text.split(" ");
  const on = target === null ? "" : ` on ${target}`;
  return {
    route,
    actor,
    token,
    rolesOf: token === null ? (actor as ActorKind) : token.owner,
    target,
    status: Number(status),
    code: code ?? null,
    name: `${actor} ${routeLabel(route)}${on} -> ${text}`,
  };
}

/** Every cell of a route that exists (n/a cells are left out): the session actors', then the tokens'. */
export function cellsOf(matrix: MatrixFile, route: MatrixRoute): MatrixCell[] {
  const cells: MatrixCell[] = [];
  const add = (actor: string, token: TokenActor | null, text: string) => {
    if (route.target === "none" || route.target === "webhook") {
      const cell = toCell(route, actor, token, null, text);
      if (cell !== null) cells.push(cell);
      return;
    }
    const row = text.split(cellSeparator);
    targetKinds.forEach((target, index) => {
      const cell = toCell(route, actor, token, target, row[index] ?? "");
      if (cell !== null) cells.push(cell);
    });
  };
  for (const actor of actorKinds) add(actor, null, route.cells[actor]);
  for (const [name, token] of Object.entries(matrix.tokenActors)) add(name, token, route.tokens[name] ?? "");
  return cells;
}
