import { html, type SafeHtml } from "../html.ts";
import type { PageContext } from "../layout.ts";
import { formatTime } from "./session-table.ts";

/**
 * @module
 * What every webhook page's markup shares: caller text made visible, times, and the paths of an endpoint and
 * of one of its deliveries.
 */

/**
 * Text as a page may show it: control, format and invisible characters (bidi overrides that reorder what
 * follows, zero-width marks) are written out as `\u{…}`, so what an admin reads is what is stored.
 */
export function shown(text: string): string {
  return text.replace(
    /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

export const time = (iso: string | null, none = "never"): SafeHtml | string =>
  iso === null ? none : html`<time datetime="${iso}">${formatTime(iso)}</time>`;

export const endpointPath = (page: PageContext, id: string) => `${page.base}/admin/webhooks/${encodeURIComponent(id)}`;

export const deliveryPath = (page: PageContext, endpointId: string, deliveryId: string) =>
  `${endpointPath(page, endpointId)}/deliveries/${encodeURIComponent(deliveryId)}`;
