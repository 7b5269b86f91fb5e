/**
 * Run in a child process by transactions.contract.test.ts: if losing the connection in the middle of a
 * transaction crashes the process, it crashes this child rather than the test runner. Prints one line of
 * JSON describing what the transaction did, then exits 0 unless something escaped as an uncaught exception.
 */
import { randomBytes } from "node:crypto";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import { openStore } from "../../src/store/open-store.ts";
import { rawQuery } from "../support/raw-database.ts";
import { newUser, openSealer } from "./store-fixtures.ts";

const url = process.env.LOST_CONNECTION_DATABASE_URL;
if (url === undefined) throw new Error("LOST_CONNECTION_DATABASE_URL is not set");
const location = { kind: "postgres", url } as const;
const database = { location, sqlitePath: null, drop: async () => {} };

const { store } = await openStore(location, openSealer(randomBytes(32)));
const user = newUser();
let outcome = "committed";
try {
  await store.transaction(async (tx) => {
    await tx.insertUser(user, normalizeEmail(user.email));
    // What a PostgreSQL restart or failover does to every open connection.
    await rawQuery(
      database,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    await tx.getUserById(user.id);
  });
} catch {
  outcome = "rejected";
}
const afterwards = newUser();
await store.transaction((tx) => tx.insertUser(afterwards, normalizeEmail(afterwards.email)));
const stored = {
  lost: (await store.getUserById(user.id)) !== null,
  next: (await store.getUserById(afterwards.id)) !== null,
};
await store.close();
console.log(JSON.stringify({ outcome, ...stored }));
