import { type Config, ConfigError } from "./config.ts";
import type { Store } from "./domain/ports.ts";
import {
  isSharedSettingName,
  type SharedSettingName,
  sharedSettingNames,
  sharedSettingRules,
} from "./shared-setting-rules.ts";

export { isSharedSettingName, type SharedSettingName, sharedSettingNames, sharedSettingRules };

/**
 * @module
 * Settings every process on one database must agree on (docs/configuration.md "Settings every process
 * shares"): a CLI with another grace period erases at once what the server would only schedule, and two
 * instances with other session limits sweep each other's sessions. The first process to open a database
 * stores its values; afterwards a process whose environment leaves a setting unset acts with the stored
 * value, and one whose environment sets another value refuses to start (server) or to act (CLI), naming the
 * variable and both values, until an operator changes the stored value (`gatehouse settings set`, audited).
 */
/** The setting's value in the configuration, in its own unit (days, minutes, hours). */
export function sharedValueOf(config: Config, name: SharedSettingName): number {
  const rule = sharedSettingRules[name];
  return config[rule.field] / rule.unitMs;
}

/** A stored or typed value, checked by the same rule as the environment's; a sentence when it breaks it. */
export function checkedSharedValue(name: SharedSettingName, text: string): number | string {
  const rule = sharedSettingRules[name];
  if (!/^\d{1,9}$/.test(text)) return `${name} must be a whole number`;
  const value = Number(text);
  if (value < rule.min || value > rule.max) return `${name} must be ${rule.min} to ${rule.max}`;
  return value;
}

export interface ReconciledSettings {
  /** The configuration this process acts with: the stored values in place of the unset ones. */
  readonly config: Config;
  /** Each setting this process's environment sets to another value than the database holds. */
  readonly disagreements: readonly string[];
}

/**
 * Stores the settings the database lacks (a first start, or the first since an upgrade), then compares.
 * `enforce` throws a ConfigError on any disagreement; `report` only reports them (`gatehouse settings`,
 * which exists to resolve them).
 */
export async function reconcileSharedSettings(
  config: Config,
  store: Store,
  mode: "enforce" | "report",
  now: number,
): Promise<ReconciledSettings> {
  let stored = await store.readSharedSettings();
  const missing = sharedSettingNames.filter((name) => stored[name] === undefined);
  if (missing.length > 0) {
    // Two processes starting at once both insert; the first wins and both then read its values.
    await store.initSharedSettings(
      Object.fromEntries(missing.map((name) => [name, String(sharedValueOf(config, name))])),
      now,
    );
    stored = await store.readSharedSettings();
  }
  const disagreements: string[] = [];
  let acting: Config = config;
  for (const name of sharedSettingNames) {
    const checked = checkedSharedValue(name, stored[name] ?? "");
    if (typeof checked === "string") {
      throw new ConfigError(`Invalid configuration:\n  ${name}: the database holds "${stored[name]}": ${checked}`);
    }
    const mine = sharedValueOf(config, name);
    if (checked === mine) continue;
    if (config.explicitSharedSettings.includes(name)) {
      disagreements.push(
        `${name} is ${mine} here but ${checked} in the database: every process on one database must agree. Unset it here to use the stored value, or change the stored value with: gatehouse settings set ${name} ${mine}`,
      );
    } else {
      const rule = sharedSettingRules[name];
      acting = { ...acting, [rule.field]: checked * rule.unitMs };
    }
  }
  if (disagreements.length > 0 && mode === "enforce") {
    throw new ConfigError(`Invalid configuration:\n  ${disagreements.join("\n  ")}`);
  }
  if (acting.sessionIdleMs > acting.sessionAbsoluteMs) {
    throw new ConfigError("Invalid configuration:\n  SESSION_IDLE_MINUTES: must not exceed SESSION_ABSOLUTE_HOURS");
  }
  return { config: Object.freeze(acting), disagreements };
}
