/** A server-side session. Only a hash of the token's secret is stored. */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  /** Hex SHA-256 of the token's secret half. */
  readonly secretHash: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** When the user last proved their password in this session (login or re-authentication). */
  readonly authenticatedAt: number;
  /** Absolute expiry: createdAt + the absolute lifetime. */
  readonly expiresAt: number;
  readonly ip: string;
  readonly userAgent: string;
}

export interface SessionLifetimes {
  readonly idleMs: number;
  readonly absoluteMs: number;
  /** last_seen_at is written at most this often, so a read does not become a write on every request. */
  readonly touchIntervalMs: number;
  /** How recent an authentication must be for sensitive acts (step-up). */
  readonly reauthWindowMs: number;
}

export function isExpired(session: SessionRecord, now: number, lifetimes: SessionLifetimes): boolean {
  return now >= session.expiresAt || now - session.lastSeenAt >= lifetimes.idleMs;
}

export function needsTouch(session: SessionRecord, now: number, lifetimes: SessionLifetimes): boolean {
  return now - session.lastSeenAt >= lifetimes.touchIntervalMs;
}

export function isRecentlyAuthenticated(session: SessionRecord, now: number, lifetimes: SessionLifetimes): boolean {
  return now - session.authenticatedAt < lifetimes.reauthWindowMs;
}
