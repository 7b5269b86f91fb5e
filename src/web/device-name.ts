import Bowser from "bowser";

/**
 * A session's User-Agent as people name a device: "Chrome on Linux". Parsed when a page shows the session,
 * never on the request path; anything the parser does not recognise (or an empty header) is "Unknown
 * browser". Only names from the parser's own tables are shown: its generic fallback would repeat whatever
 * the header's first word is, so a crafted header could put its own words on an admin's page.
 */
export function deviceName(userAgent: string): string {
  if (userAgent.trim() === "") return unknownBrowser;
  let browser = "";
  let os = "";
  try {
    const parsed = Bowser.parse(userAgent);
    browser = knownBrowsers.has(parsed.browser.name ?? "") ? (parsed.browser.name ?? "") : "";
    os = knownSystems.has(parsed.os.name ?? "") ? (parsed.os.name ?? "") : "";
  } catch {
    return unknownBrowser;
  }
  if (browser === "") return os === "" ? unknownBrowser : `${unknownBrowser} on ${os}`;
  return os === "" ? browser : `${browser} on ${os}`;
}

const unknownBrowser = "Unknown browser";
const knownBrowsers: ReadonlySet<string> = new Set(
  Object.values(Bowser.BROWSER_MAP).filter((name) => name !== "Generic"),
);
const knownSystems: ReadonlySet<string> = new Set(Object.values(Bowser.OS_MAP));
