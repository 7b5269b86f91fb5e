import pg from "pg";
import { startThrowawayPostgres } from "../test/support/postgres-cluster.ts";

/** The test suite's throwaway PostgreSQL cluster (loopback only), with a database per bench phase. */
export interface BenchPostgres {
  readonly version: string;
  /** The settings that decide what a commit costs and what the figures mean. */
  readonly settings: Readonly<Record<string, string>>;
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** A read-only diagnostic query (row counts), outside the store. */
  query<Row>(url: string, sql: string): Promise<Row[]>;
  stop(): Promise<void>;
}

export async function startBenchPostgres(): Promise<BenchPostgres | null> {
  const cluster = await startThrowawayPostgres();
  if (cluster === null) return null;
  const query = async <Row>(url: string, sql: string): Promise<Row[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Row[];
    } finally {
      await client.end();
    }
  };
  const [{ server_version: version } = { server_version: "unknown" }] = await query<{ server_version: string }>(
    cluster.url,
    "SHOW server_version",
  );
  const settings: Record<string, string> = {};
  for (const name of ["fsync", "synchronous_commit", "shared_buffers", "max_connections"]) {
    const [row] = await query<Record<string, string>>(cluster.url, `SHOW ${name}`);
    settings[name] = row?.[name] ?? "unknown";
  }
  return {
    version,
    settings,
    async createDatabase(name) {
      await query(cluster.url, `CREATE DATABASE ${name}`);
      const url = new URL(cluster.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropDatabase(name) {
      await query(cluster.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
    query,
    stop: () => cluster.stop(),
  };
}
