import type { UserListPage } from "../../domain/admin/user-list.ts";
import type { UserListState, UserSortKey } from "../../domain/ports.ts";
import { roles } from "../../domain/users/role.ts";
import type { UserRecord } from "../../domain/users/user.ts";
import { html, type SafeHtml } from "../html.ts";
import type { PageContext } from "../layout.ts";
import { formatTime } from "./session-table.ts";

/** What the list page was asked for: the filters, the order and the cursor, as its query names them. */
export interface UserListView {
  readonly search?: string | undefined;
  readonly role?: string | undefined;
  readonly state?: UserListState | undefined;
  readonly sort: UserSortKey;
  readonly dir: "asc" | "desc";
}

const stateLabels: Readonly<Record<UserListState, string>> = {
  active: "Active",
  disabled: "Disabled",
  pending: "Deletion pending",
};

const sortLabels: Readonly<Record<UserSortKey, string>> = {
  created: "Created",
  email: "E-mail",
  lastLogin: "Last sign-in",
};

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? "") ? html` selected` : ""}>${label}</option>`;
}

export function statusBadge(user: UserRecord): SafeHtml {
  if (user.purgeAfter !== null) return html`<span class="badge disabled">deletion pending</span>`;
  return html`<span class="badge ${user.status === "disabled" ? "disabled" : ""}">${user.status}</span>`;
}

export function shownTime(ms: number | null, never = "never"): string {
  return ms === null ? never : formatTime(new Date(ms).toISOString());
}

/** The list's URL with these filters and order, and a cursor (or none: the first page). */
function listHref(page: PageContext, view: UserListView, cursor: { after?: string; before?: string } = {}): string {
  const query = new URLSearchParams();
  const fields = { search: view.search, role: view.role, state: view.state, sort: view.sort, dir: view.dir, ...cursor };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== "") query.set(key, value);
  }
  return `${page.base}/admin/users?${query.toString()}`;
}

/** A column heading that sorts by its key: the first click in the usual direction, the next one reversed. */
function sortHeading(page: PageContext, view: UserListView, key: UserSortKey, extra = ""): SafeHtml {
  const active = view.sort === key;
  const usual = key === "email" ? "asc" : "desc";
  const dir = active ? (view.dir === "asc" ? "desc" : "asc") : usual;
  const ariaSort = active ? (view.dir === "asc" ? "ascending" : "descending") : "none";
  const arrow = active ? (view.dir === "asc" ? " ↑" : " ↓") : "";
  return html`<th scope="col" class="${extra}" aria-sort="${ariaSort}"><a href="${listHref(page, { ...view, sort: key, dir })}">${sortLabels[key]}${arrow}</a></th>`;
}

function filterForm(page: PageContext, view: UserListView): SafeHtml {
  return html`<form class="card filters" method="get" action="${page.base}/admin/users" role="search">
  <div><label for="search">Search e-mail or name</label>
  <input id="search" name="search" type="search" value="${view.search ?? ""}"></div>
  <div><label for="role">Role</label><select id="role" name="role">${option("", "Any role", view.role)}
    ${roles.map((role) => option(role, role, view.role))}</select></div>
  <div><label for="state">Status</label><select id="state" name="state">${option("", "Any status", view.state)}
    ${(Object.keys(stateLabels) as UserListState[]).map((state) => option(state, stateLabels[state], view.state))}</select></div>
  <div><label for="sort">Sort by</label><select id="sort" name="sort">
    ${(Object.keys(sortLabels) as UserSortKey[]).map((key) => option(key, sortLabels[key], view.sort))}</select></div>
  <div><label for="dir">Order</label><select id="dir" name="dir">
    ${option("desc", "Newest / Z first", view.dir)}${option("asc", "Oldest / A first", view.dir)}</select></div>
  <div><button type="submit">Filter</button></div>
</form>`;
}

function pager(page: PageContext, view: UserListView, list: UserListPage): SafeHtml {
  const last = list.first === 0 ? 0 : list.first + list.users.length - 1;
  return html`<nav class="pager" aria-label="Pages">
  <p class="count">${list.total === 0 ? "No users" : `Users ${list.first}–${last} of ${list.total}`}</p>
  ${list.previous === null ? "" : html`<a class="button secondary" rel="prev" href="${listHref(page, view, { before: list.previous })}">← Previous</a>`}
  ${list.next === null ? html`<span class="end-marker">End of the list</span>` : html`<a class="button secondary" rel="next" href="${listHref(page, view, { after: list.next })}">Next →</a>`}
</nav>`;
}

export function usersListPage(page: PageContext, view: UserListView, list: UserListPage, canCreate: boolean): SafeHtml {
  return html`<div class="page-head"><h1>Users</h1>
${canCreate ? html`<a class="button" href="${page.base}/admin/users/new">Add user</a>` : ""}</div>
${filterForm(page, view)}
${list.restarted ? html`<p class="hint">The page you asked for started at a user who is gone; this is the first page.</p>` : ""}
${
  list.users.length === 0
    ? html`<p>No users match.</p>`
    : html`<form method="get" action="${page.base}/admin/users/bulk" class="bulk">
<div class="table-wrap"><table class="users">
<thead><tr><th scope="col"><span class="skip">Select</span></th>${sortHeading(page, view, "email")}
<th scope="col" class="optional">Name</th><th scope="col">Role</th><th scope="col">Status</th>
${sortHeading(page, view, "created", "optional")}${sortHeading(page, view, "lastLogin")}</tr></thead>
<tbody>${list.users.map(
        ({ user, lastLoginAt }) => html`<tr>
<td><input type="checkbox" name="id" value="${user.id}" aria-label="Select ${user.email}"></td>
<td><a href="${page.base}/admin/users/${user.id}">${user.email}</a></td>
<td class="optional">${user.name}</td><td>${user.role}</td><td>${statusBadge(user)}</td>
<td class="optional">${shownTime(user.createdAt)}</td><td>${shownTime(lastLoginAt)}</td></tr>`,
      )}</tbody></table></div>
<div class="actions bulk-actions"><span>With the selected users:</span>
<button type="submit" name="act" value="disable" class="secondary">Disable…</button>
<button type="submit" name="act" value="end-sessions" class="secondary">End sessions…</button>
<button type="submit" name="act" value="delete" class="danger">Delete…</button></div>
</form>`
}
${pager(page, view, list)}`;
}
