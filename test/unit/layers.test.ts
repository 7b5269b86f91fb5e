import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../../src/", import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every module a file imports, as a path relative to src/. */
function importsOf(file: string): string[] {
  const specifiers = [...readFileSync(file, "utf8").matchAll(/^(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms)];
  return specifiers
    .map(([, specifier]) => specifier ?? "")
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => relative(src, join(file, "..", specifier)));
}

test("issue 10.5: nothing in http/ imports web/: src/app.ts composes the two", () => {
  const crossings = sourceFiles(join(src, "http")).flatMap((file) =>
    importsOf(file)
      .filter((target) => target.startsWith("web/"))
      .map((target) => `${relative(src, file)} -> ${target}`),
  );
  assert.deepEqual(crossings, []);
});

test("the domain imports nothing from the edges or the store", () => {
  const crossings = sourceFiles(join(src, "domain")).flatMap((file) =>
    importsOf(file)
      .filter((target) => !target.startsWith("domain/"))
      .map((target) => `${relative(src, file)} -> ${target}`),
  );
  assert.deepEqual(crossings, []);
});
