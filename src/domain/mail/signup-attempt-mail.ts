import type { MailMessage } from "../ports.ts";

/**
 * Told to the owner of a taken address when someone signs up with it. It holds no link that signs anyone
 * in or resets anything: only where to go, which the reader can type themselves.
 */
export function signupAttemptMail(to: string, signInUrl: string): MailMessage {
  return {
    kind: "signup_attempt",
    to,
    subject: "Someone tried to sign up with your address",
    text: [
      "Someone tried to create an account with this address, which already has one. No account was created",
      "and nothing about yours has changed.",
      "",
      'If it was you: sign in instead, or use "Forgot password?" on the sign-in page:',
      signInUrl,
      "",
      "If it was not you, you can ignore this message.",
    ].join("\n"),
  };
}
