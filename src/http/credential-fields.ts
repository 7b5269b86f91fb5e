/**
 * @module
 * The credential fields of request bodies, API and forms alike. Each bounds what a request may carry, and
 * no more: what a password or an address may be is the domain's to decide, in its own words.
 */
import { z } from "zod";
import { maxEmailLength } from "../domain/users/email.ts";
import { passwordMaxLength } from "../domain/users/password-policy.ts";

/**
 * A password as sent (current, new, or to confirm an act). Room for any password the policy accepts (it
 * counts code points; zod counts UTF-16 units, at most two per code point) with slack, so a new password
 * that is too long is refused by the policy's message; the bound keeps megabytes away from the hasher.
 */
export const passwordField = z.string().max(passwordMaxLength * 4);

/** An e-mail address as sent; domain/users/email.ts checks the rest. */
export const emailField = z.string().max(maxEmailLength);

/** A password change, from the API or the account page: the current password proves the caller. */
export const passwordChangeFields = { currentPassword: passwordField, newPassword: passwordField };

/**
 * A recovery link as sent: any text within the body limit, so that a malformed, overlong or hostile one gets
 * the same refusal as an expired or used one (domain/recovery/redeem-recovery.ts), never a schema error.
 */
export const recoveryLinkField = z.string().max(16 * 1024);

/** A sign-up link as sent: any bounded text, so a malformed one gets SIGNUP_LINK_INVALID like a used one. */
export const signupLinkField = z.string().max(1_000);
