import type { EventPayload } from "../../src/domain/events/user-event.ts";
import type { TestApp } from "./app.ts";

/** Every retained event, in feed order, straight from the store. */
export async function allEvents(t: TestApp): Promise<EventPayload[]> {
  return (await t.store.listEvents({ auditSeq: 0, ordinal: -1 }, 100_000)).map((event) => event.payload);
}

/** The events after a mark (`eventMark`), as `type user_id` pairs with the reason or changes when present. */
export async function eventsSince(t: TestApp, mark: number): Promise<EventPayload[]> {
  return (await allEvents(t)).slice(mark);
}

export async function eventMark(t: TestApp): Promise<number> {
  return (await allEvents(t)).length;
}

export function summary(event: EventPayload): string {
  const { data } = event;
  const extra = [
    data.reason,
    data.sessions_revoked === undefined ? undefined : `s${data.sessions_revoked}`,
    data.tokens_revoked === undefined ? undefined : `t${data.tokens_revoked}`,
    data.changed?.join("+"),
  ].filter((part) => part !== undefined);
  return [event.type, ...extra].join(" ");
}
