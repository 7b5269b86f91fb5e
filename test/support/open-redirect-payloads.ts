/**
 * @module
 * Open-redirect payloads for an absolute `next` (issue 12.2), by class, against one configuration: Gatehouse
 * at `https://gatehouse.example`, with `app.example`, every subdomain of `apps.example` and `ports.example:8443`
 * allowed. Each must fall back to the account page; `acceptedReturnUrls` are the ones that must be followed,
 * each to exactly the URL given. The relative classes of issue 9.7 are in hostile-return-paths.ts.
 */
export const redirectPublicUrl = "https://gatehouse.example";
export const redirectAllowedHosts = "app.example,.apps.example,ports.example:8443";

export interface RedirectPayload {
  readonly kind: string;
  readonly next: string;
}

const classes: Readonly<Record<string, readonly string[]>> = {
  "protocol-relative": [
    "//evil.example",
    "//app.example/",
    "///app.example/",
    "////evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\/\\/evil.example",
    "\\\\evil.example",
    "//evil%E3%80%82com",
    "//evil\u3002com",
  ],
  backslash: [
    "https:\\\\app.example/",
    "https:/\\app.example/",
    "https://app.example\\@evil.example/",
    "https://evil.example\\.app.example/",
    "https://evil.example\\\\app.example/",
    "https://app.example/\\evil.example",
    "https://app.example/%5Cevil.example",
  ],
  "userinfo (@)": [
    "https://app.example@evil.example/",
    "https://evil.example@app.example/",
    "https://user:pass@app.example/",
    "https://:@app.example/",
    "https://app.example%40evil.example/",
    "https://app.example:@evil.example/",
    "https://app.example%2540evil.example/",
  ],
  "encoded separators": [
    "/%2F%2Fevil.example",
    "/%2f%2fevil.example",
    "/%2F/evil.example",
    "/%5C%5Cevil.example",
    "https://evil.example%2F.app.example/",
    "https://evil.example%2f@app.example/",
    "https://evil.example%23.app.example/",
    "https://evil.example%3F.app.example/",
    "https://app.example/%2F%2Fevil.example",
    "https%3A%2F%2Fapp.example%2F",
    "https:%2F%2Fapp.example/",
  ],
  "double-encoded separators": [
    "/%252F%252Fevil.example",
    "/%255C%255Cevil.example",
    "/%252f/evil.example",
    "https://app.example/%252F%252Fevil.example",
    "https://evil.example%252F.app.example/",
    "https%253A%252F%252Fevil.example",
  ],
  "tabs, newlines and encoded whitespace": [
    "https://app.example\t.evil.example/",
    "https://ap\tp.example/",
    "https://app.exa\nmple/",
    "https://app.example/\r\nSet-Cookie:x=1",
    "ht\ttps://app.example/",
    "https:\t//app.example/",
    " https://app.example/",
    "https://app.example/ ",
    "https://app.example%09/",
    "https://app.example%0A.evil.example/",
    "https://app.example/%0a%0dLocation:%20https://evil.example",
    "https://app.example/%09/evil.example",
    "https://app.example/%E2%80%8B",
    "https://app.example\u200b/",
    "https://app.example\u00a0.evil.example/",
  ],
  "IDN look-alikes": [
    "https://\u0430pp.example/",
    "https://app.ex\u0430mple/",
    "https://xn--pp-8cd.example/",
    "https://\uff41pp.example/",
    "https://app\u3002example/",
    "https://app%E3%80%82example/",
    "https://app\uff0eexample/",
    "https://app.example\u2025evil.example/",
  ],
  "javascript: and data:": [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "javascript://app.example/%0aalert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "blob:https://app.example/1",
  ],
  ports: [
    "https://app.example:443/",
    "https://app.example:8443/",
    "https://app.example:0443/",
    "https://app.example:/",
    "https://gatehouse.example:444/",
    "https://ports.example/",
    "https://ports.example:443/",
    "https://ports.example:08443/",
    "https://ports.example:8444/",
    "https://x.apps.example:8443/",
  ],
  "uppercase and scheme confusion": [
    "HTTPS://app.example/",
    "Https://app.example/",
    "https://APP.example/",
    "https://App.Example/",
    "https:/app.example/",
    "https:app.example/",
    "https:///app.example/",
    "http://app.example/",
    "http://gatehouse.example/account",
    "ftp://app.example/",
    "wss://app.example/",
    "app.example/",
    "https//app.example/",
  ],
  "suffix and host confusion": [
    "https://evil.example/",
    "https://apps.example/",
    "https://evilapps.example/",
    "https://app.example.evil.example/",
    "https://app.example./",
    "https://x.apps.example./",
    "https://evil.example/.app.example",
    "https://evil.example?.app.example",
    "https://evil.example#.app.example",
    "https://evil.example/https://app.example/",
    "https://gatehouse.example.evil.example/",
    "https://127.0.0.1/",
    "https://0x7f.1/",
    "https://[::1]/",
  ],
  "paths that turn into another host": [
    "https://app.example//evil.example",
    "https://gatehouse.example//evil.example",
    "https://app.example/%2F/evil.example",
  ],
};

export const openRedirectPayloads: readonly RedirectPayload[] = Object.entries(classes).flatMap(([kind, nexts]) =>
  nexts.map((next) => ({ kind, next })),
);

/** Return URLs that are followed, each with the URL the browser is sent to. */
export const acceptedReturnUrls: readonly (readonly [string, string])[] = [
  ["https://app.example/", "https://app.example/"],
  ["https://app.example", "https://app.example/"],
  ["https://app.example/dashboard?tab=1#top", "https://app.example/dashboard?tab=1#top"],
  ["https://app.example/caf%C3%A9?q=a%2Fb", "https://app.example/caf%C3%A9?q=a%2Fb"],
  ["https://x.apps.example/p", "https://x.apps.example/p"],
  ["https://a.b.apps.example/", "https://a.b.apps.example/"],
  ["https://ports.example:8443/in", "https://ports.example:8443/in"],
  ["https://gatehouse.example/account", "https://gatehouse.example/account"],
  ["https://gatehouse.example/app/page", "https://gatehouse.example/app/page"],
];
