import type { MailMessage } from "../ports.ts";

/** The sign-up verification message: the account comes to exist when this link is used. */
export function signupVerificationMail(to: string, url: string, lifetimeMinutes: number): MailMessage {
  return {
    kind: "signup_verification",
    to,
    subject: "Confirm your new account",
    text: [
      "Someone (we hope you) asked to create an account with this address.",
      "",
      "Open this link to confirm it and create the account:",
      url,
      "",
      `The link works once, for ${lifetimeMinutes} minutes.`,
      "",
      "If you did not ask, ignore this message: no account is created.",
    ].join("\n"),
  };
}
