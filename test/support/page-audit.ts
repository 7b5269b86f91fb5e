import type { BrowserContext, Page } from "playwright-core";

/**
 * A look at a rendered page as a reviewer would take it: console errors, CSP violations, headings, labels and
 * whether the page scrolls sideways.
 */

/** Console errors, uncaught page errors and CSP violations seen on a page since it was watched. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
}

export function watchForProblems(page: Page): PageProblems {
  const problems: PageProblems = { consoleErrors: [], pageErrors: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error)));
  return problems;
}

/**
 * Records every Content-Security-Policy violation in the page itself (Chromium also logs them as console
 * errors). Added as an init script, which the browser runs before any of the page's own content.
 */
export async function recordCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(`
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline"));
    });
  `);
}

/** What a page looks like to an auditor: headings, labels, sideways overflow, CSP reports. */
export interface PageAudit {
  readonly h1Count: number;
  /** Visible form controls with neither an associated <label> nor an aria-label(ledby). */
  readonly unlabelled: readonly string[];
  readonly scrollWidth: number;
  readonly clientWidth: number;
  /** Elements (or their text) reaching past the viewport, to say what causes sideways scrolling. */
  readonly overflowing: readonly string[];
  readonly cspViolations: readonly string[];
}

// Runs in the page (a string, so no compiled helper can leak into the browser's copy). Hidden inputs and
// controls with the `hidden` attribute are not rendered, so they need no label.
const auditScript = `(() => {
  const root = document.documentElement;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.getAttribute("name") ? "[name=" + el.getAttribute("name") + "]" : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const controls = [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && !el.hidden);
  const unlabelled = controls
    .filter((el) => el.labels.length === 0 && !(el.getAttribute("aria-label") || "").trim() &&
      !(el.getAttribute("aria-labelledby") || "").trim())
    .map(describe);
  // An element sticking out of the viewport, or text sticking out of its own (non-scrolling) box.
  const hasText = (el) => [...el.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim() !== "");
  const overflowing = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getClientRects().length > 0)
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5 ||
      (hasText(el) && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible"))
    .map((el) => describe(el) + " (" + Math.round(Math.max(el.getBoundingClientRect().right,
      el.getBoundingClientRect().left + el.scrollWidth)) + "px)")
    .slice(0, 10);
  return {
    h1Count: document.querySelectorAll("h1").length,
    unlabelled,
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    overflowing,
    cspViolations: window.__cspViolations || [],
  };
})()`;

export function auditPage(page: Page): Promise<PageAudit> {
  return page.evaluate<PageAudit>(auditScript);
}
