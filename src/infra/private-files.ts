import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * @module
 * DATA_DIR and the SQLite files hold the server secret, password and session hashes, e-mail addresses and
 * the audit log: only the account Gatehouse runs as may read them. What Gatehouse creates it creates
 * private (folders 0700, files 0600), whatever the umask: mkdir and open filter the mode they are given
 * through it, so the mode is set again explicitly on what was just made.
 *
 * What already exists is left exactly as it is. A folder the operator made may be shared on purpose (a
 * backup or monitoring group) or may not be ours at all: DATABASE_URL=./gatehouse.sqlite puts the database
 * in the working directory, and DATA_DIR may be a mount point. Changing their modes behind the operator's
 * back could break that setup or open up something else; docs/security.md says what to set by hand.
 */
export function makePrivateDirectory(path: string): void {
  const target = resolve(path);
  const first = mkdirSync(target, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // Every folder from the first one mkdir created down to the target is ours.
  for (let folder = target; ; folder = dirname(folder)) {
    chmodSync(folder, 0o700);
    if (folder === first || folder === dirname(folder)) return;
  }
}

/**
 * Creates an empty file with mode 0600, or does nothing if the path exists (another process starting on
 * the same DATA_DIR may have won the race; an existing file is left as it is). `wx` never follows a link.
 */
export function createPrivateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
    throw error;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}
