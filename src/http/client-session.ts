/**
 * @module
 * The acts on a client's own session, for the API routes and the pages alike. Each calls its use case and
 * then sets or ends the client session (session-cookie.ts) as the outcome requires, so the two edges
 * cannot answer one act differently: a page that kept its own copy of "sign out here" cleared the cookie
 * but sent no Clear-Site-Data (issue 10.2). A refusal leaves the client as it was.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { deleteOwnAccount } from "../domain/deletion/delete-user.ts";
import { logOut, presentedSessionId, revokeOwnSession } from "../domain/sessions/session-lifecycle.ts";
import { changePassword, logIn, signUp } from "../domain/users/accounts.ts";
import { verifySignUp } from "../domain/users/signup-verification.ts";
import { ownPasswordCheck, throttledPasswordCheck } from "./password-throttle.ts";
import { authOf } from "./request-auth.ts";
import { requestMeta } from "./request-meta.ts";
import type { RouteContext } from "./route-context.ts";
import { endClientSession, setSessionCookie } from "./session-cookie.ts";

/** The client of one request, whose cookie follows what its acts do to its session. */
export class ClientSession {
  readonly #context: RouteContext;
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;

  constructor(context: RouteContext, request: FastifyRequest, reply: FastifyReply) {
    this.#context = context;
    this.#request = request;
    this.#reply = reply;
  }

  async logIn(credentials: { email: string; password: string }) {
    const replaced = this.#presentedSessionId();
    const result = await throttledPasswordCheck(this.#context, credentials.email, this.#request.ip, () =>
      logIn(this.#context.deps, credentials, requestMeta(this.#request), replaced),
    );
    if (result.ok) setSessionCookie(this.#reply, this.#context.cookie, result.started.token);
    return result;
  }

  async signUp(account: { email: string; password: string; name?: string }) {
    const result = await signUp(this.#context.deps, account, requestMeta(this.#request), this.#presentedSessionId());
    if (result.ok) setSessionCookie(this.#reply, this.#context.cookie, result.started.token);
    return result;
  }

  /** A sign-up's e-mailed link used: the account created and this client signed in to it. */
  async verifySignUp(link: string) {
    const result = await verifySignUp(this.#context.deps, link, requestMeta(this.#request), this.#presentedSessionId());
    if (result.ok) setSessionCookie(this.#reply, this.#context.cookie, result.started.token);
    return result;
  }

  /** Idempotent: with or without a live session, the client ends up signed out and cleared. */
  async logOut(): Promise<void> {
    if (this.#request.auth !== null) await logOut(this.#context.deps, this.#request.auth, requestMeta(this.#request));
    endClientSession(this.#reply, this.#context.cookie);
  }

  /** Every other session of the account ends; this client moves to the one the change starts. */
  async changePassword(passwords: { currentPassword: string; newPassword: string }) {
    const result = await ownPasswordCheck(this.#context, this.#request, (auth, meta) =>
      changePassword(this.#context.deps, auth, passwords, meta),
    );
    if (result.ok) setSessionCookie(this.#reply, this.#context.cookie, result.started.token);
    return result;
  }

  /** Every session of the account dies with it, and this client drops its cookies, storage and cache. */
  async deleteAccount(proof: { password?: string }) {
    const result = await ownPasswordCheck(this.#context, this.#request, (auth, meta) =>
      deleteOwnAccount(this.#context.deps, auth, proof, meta),
    );
    if (result.ok) endClientSession(this.#reply, this.#context.cookie);
    return result;
  }

  /** One of the caller's sessions; when it is this client's own, the client is signed out as by logOut. */
  async revokeSession(sessionId: string) {
    const auth = authOf(this.#request);
    const result = await revokeOwnSession(this.#context.deps, auth, sessionId, requestMeta(this.#request));
    if (result.ok && result.endedCurrent) endClientSession(this.#reply, this.#context.cookie);
    return result;
  }

  /** A sign-in replaces the session this client presents, live or not (domain/sessions/session-lifecycle.ts). */
  #presentedSessionId(): string | null {
    return presentedSessionId(this.#request.cookies[this.#context.cookie.name]);
  }
}
