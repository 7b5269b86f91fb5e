import assert from "node:assert/strict";
import type { TokenScope } from "../../src/domain/tokens/api-token.ts";
import type { TokenView } from "../../src/domain/tokens/token-admin.ts";
import type { Role } from "../../src/domain/users/role.ts";
import { createSignedInUser, type SignedInUser } from "./accounts.ts";
import type { TestApp } from "./app.ts";
import type { HttpClient } from "./http-client.ts";

export interface IssuedTestToken {
  /** The secret, as the creator was shown it once. */
  readonly token: string;
  readonly view: TokenView;
}

/** An API token created through the API by a signed-in (freshly authenticated) owner; must succeed. */
export async function createToken(
  owner: HttpClient,
  scopes: readonly TokenScope[],
  options: { name?: string; expiresInDays?: number } = {},
): Promise<IssuedTestToken> {
  const response = await owner.post("/api/tokens", { name: options.name ?? "test service", scopes, ...options });
  assert.equal(response.statusCode, 201, response.body);
  const body = response.json() as { token: string; apiToken: TokenView };
  return { token: body.token, view: body.apiToken };
}

/** A service's client: no cookie, the token on every request. */
export function serviceClient(t: TestApp, token: string, remoteAddress?: string): HttpClient {
  const client = t.client(remoteAddress);
  client.bearer = token;
  return client;
}

export interface TokenOwner extends SignedInUser {
  readonly issued: IssuedTestToken;
  readonly service: HttpClient;
}

/** A fresh account of the role, signed in, with a token of the given scopes and a service client using it. */
export async function createTokenOwner(t: TestApp, role: Role, scopes: readonly TokenScope[]): Promise<TokenOwner> {
  const owner = await createSignedInUser(t, role);
  const issued = await createToken(owner.device, scopes);
  return { ...owner, issued, service: serviceClient(t, issued.token) };
}
