import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { openDeps } from "../../src/server.ts";
import { fastHasher } from "../support/app.ts";

/** The permission bits in octal, as `ls -l` and chmod write them. */
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Opens the configured SQLite database as the server does at start, and looks at it while it is open. */
async function firstStart(env: NodeJS.ProcessEnv, inspect: (databasePath: string) => void): Promise<void> {
  const config = parseConfig(env);
  assert.equal(config.database.kind, "sqlite");
  const { store } = await openDeps(config, { hasher: fastHasher });
  try {
    // The migrations were written through the WAL: the -wal and -shm files exist while the store is open.
    inspect(config.database.kind === "sqlite" ? config.database.path : "");
  } finally {
    await store.close();
  }
}

describe("file modes of what Gatehouse creates (sqlite)", () => {
  let root: string;
  let umask: number;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "gatehouse-modes-"));
    // The usual default: without explicit modes, new folders would be 0755 and files 0644.
    umask = process.umask(0o022);
  });
  after(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  test("issue 9.12: a first start creates DATA_DIR 0700 and the database, its -wal and -shm 0600", async () => {
    const dataDir = join(root, "first", "data");
    await firstStart({ DATA_DIR: dataDir }, (database) => {
      assert.equal(modeOf(join(root, "first")), "700", "a parent Gatehouse created");
      assert.equal(modeOf(dataDir), "700", "DATA_DIR");
      assert.equal(modeOf(join(dataDir, "secret")), "600", "secret");
      for (const path of [database, `${database}-wal`, `${database}-shm`]) {
        assert.ok(existsSync(path), path);
        assert.equal(modeOf(path), "600", path);
      }
    });
  });

  test("issue 9.12: with GATEHOUSE_SECRET set, the database's new folder is still 0700", async () => {
    const folder = join(root, "with-secret", "db");
    const env = {
      DATA_DIR: join(root, "unused"),
      GATEHOUSE_SECRET: "s".repeat(32),
      DATABASE_URL: join(folder, "g.sqlite"),
    };
    await firstStart(env, (database) => {
      assert.equal(modeOf(folder), "700");
      assert.equal(modeOf(database), "600");
    });
    assert.equal(existsSync(join(root, "unused")), false, "no DATA_DIR is made when nothing goes in it");
  });

  test("a folder the operator made keeps the mode the operator gave it", async () => {
    const dataDir = join(root, "operator");
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o750);
    await firstStart({ DATA_DIR: dataDir }, (database) => {
      assert.equal(modeOf(dataDir), "750");
      assert.equal(modeOf(database), "600");
    });
  });
});
