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
  // Inside a box that scrolls sideways on its own (a wide table's .table-wrap), sticking out is that box's job.
  const scrolls = (el) => {
    for (let up = el.parentElement; up !== null && up !== document.body; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden") return true;
    }
    return false;
  };
  const overflowing = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getClientRects().length > 0 && !scrolls(el))
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

/**
 * Words broken across lines inside table cells and buttons, measured in the page: for every word of their
 * text, the line boxes its Range covers. A word whose rectangles sit on two lines was broken inside it
 * ("Si/gn/ou/t", "9/3"); wrapping between words is fine.
 */
export interface WordBreaks {
  readonly checked: number;
  readonly broken: readonly string[];
}

const wordBreakScript = `(() => {
  const broken = [];
  let checked = 0;
  const owners = [...document.querySelectorAll("td, th, button, .button, summary")]
    .filter((el) => el.getClientRects().length > 0);
  for (const owner of owners) {
    const walker = document.createTreeWalker(owner, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent || "";
      for (const match of text.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
        if (rects.length === 0) continue;
        checked += 1;
        const first = rects[0];
        // Same line: the rectangles overlap vertically. Another line starts below the first one's middle.
        if (rects.some((r) => r.top > first.top + first.height / 2)) {
          broken.push(owner.tagName.toLowerCase() + ": " + JSON.stringify(match[0]));
        }
      }
    }
  }
  return { checked, broken: broken.slice(0, 20) };
})()`;

export function wordBreaks(page: Page): Promise<WordBreaks> {
  return page.evaluate<WordBreaks>(wordBreakScript);
}

/** The copy rules of issue 16.4, over a page's visible text. */
export interface CopyFindings {
  /** Internal names a reader should never see. */
  readonly internalNames: readonly string[];
  /** ISO 8601 timestamps or raw epochs in the text (the one date format is "26 Nov 2026, 12:00 UTC"). */
  readonly machineTimes: readonly string[];
  /** Within one block of text, a sentence whose words another sentence there says again. */
  readonly repeated: readonly string[];
}

const copyScript = `(() => {
  const text = document.body.innerText;
  const internalNames = [...new Set(text.match(/\\b(purgeAfter|purge_after|fromRole|sessionsRevoked|tokensRevoked|actorType|targetId|selfService|nameChanged|deletionPending)\\b/g) || [])];
  const machineTimes = [...new Set(text.match(/\\b\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}|\\b1[6-9]\\d{11}\\b/g) || [])];
  const words = (s) => s.toLowerCase().split(/[^\\p{L}\\p{N}]+/u).filter((w) => w !== "" && !["the", "a", "an"].includes(w));
  const repeated = [];
  for (const block of document.querySelectorAll("p, li, dd, h1, h2, .alert, .notice, td, label, button")) {
    if (block.getClientRects().length === 0) continue;
    const sentences = (block.innerText || "").split(/(?<=[.!?])\\s+/).map((s) => s.trim()).filter((s) => words(s).length >= 3);
    for (let i = 0; i < sentences.length; i++) {
      for (let j = 0; j < sentences.length; j++) {
        if (i === j) continue;
        const other = new Set(words(sentences[j]));
        if (words(sentences[i]).every((w) => other.has(w)) && (i < j || words(sentences[i]).length !== other.size)) {
          repeated.push(sentences[i] + " / " + sentences[j]);
        }
      }
    }
  }
  return { internalNames, machineTimes, repeated: [...new Set(repeated)] };
})()`;

export function copyFindings(page: Page): Promise<CopyFindings> {
  return page.evaluate<CopyFindings>(copyScript);
}
