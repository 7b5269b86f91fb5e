import type { MailMessage } from "../ports.ts";

/**
 * The "forgot password" message (docs/recovery.md, "By e-mail"): the recovery link, how long it lives, and
 * what to do if the reader did not ask. Plain text: nothing to render, nothing to track.
 */
export function passwordResetMail(to: string, url: string, lifetimeMinutes: number): MailMessage {
  return {
    kind: "password_reset",
    to,
    subject: "Reset your password",
    text: [
      "Someone (we hope you) asked to reset the password of the account for this address.",
      "",
      "Open this link to choose a new password:",
      url,
      "",
      `The link works once, for ${lifetimeMinutes} minutes. Setting a new password signs the account out on every device.`,
      "",
      "If you did not ask, ignore this message: your password stays as it is.",
    ].join("\n"),
  };
}
