import { html, type SafeHtml } from "./html.ts";

/**
 * @module
 * The one date format of every page: "26 Nov 2026, 12:00 UTC". Stated in UTC because the server does not know
 * the reader's zone; never an ISO string or an epoch in the text (the machine-readable form is the `datetime`
 * attribute of the `<time>` element, which nobody reads as prose).
 */
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

type Instant = string | number | Date;

function toDate(value: Instant): Date {
  return value instanceof Date ? value : new Date(value);
}

const two = (n: number) => String(n).padStart(2, "0");

/** The words of a date and time, for text that is not markup (a CSV cell, a sentence built elsewhere). */
export function dateText(value: Instant): string {
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return "an unknown time";
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

/** A date and time on a page: the words, with the exact instant in `datetime` for machines. */
export function dateTime(value: Instant): SafeHtml {
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return html`${dateText(value)}`;
  return html`<time datetime="${d.toISOString()}">${dateText(d)}</time>`;
}

/** A calendar day as a date input holds it (YYYY-MM-DD, UTC): a filter's value shown back in its field. */
export function dayValue(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
