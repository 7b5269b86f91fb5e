import { passwordMinLength } from "../../domain/users/password-policy.ts";
import type { Role } from "../../domain/users/role.ts";
import { html, type SafeHtml } from "../html.ts";
import { csrfField, type PageContext } from "../layout.ts";

/** What the admin typed, kept when the form comes back (a refusal, the step-up prompt); never a password. */
export interface NewUserValues {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly access: "password" | "link";
}

export const blankNewUser: NewUserValues = { email: "", name: "", role: "user", access: "link" };

export function newUserPage(page: PageContext, roles: readonly Role[], values: NewUserValues): SafeHtml {
  const checked = (access: NewUserValues["access"]) => (values.access === access ? html` checked` : "");
  return html`<p><a href="${page.base}/admin/users">← All users</a></p>
<h1>Add user</h1>
<form class="card" method="post" action="${page.base}/admin/users/new">${csrfField(page)}
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" required maxlength="320" autocomplete="off" value="${values.email}">
  <label for="name">Name <span class="hint">(optional)</span></label>
  <input id="name" name="name" type="text" maxlength="200" autocomplete="off" value="${values.name}">
  <label for="role">Role <span class="hint">(only roles you may grant)</span></label>
  <select id="role" name="role">${roles.map(
    (role) => html`<option value="${role}"${role === values.role ? html` selected` : ""}>${role}</option>`,
  )}</select>
  <fieldset><legend>How they get in</legend>
    <label class="choice"><input type="radio" name="access" value="link"${checked("link")}> A recovery link, shown to you
    once: they choose their own password</label>
    <label class="choice"><input type="radio" name="access" value="password"${checked("password")}> A password you set
    now</label>
    <label for="new-password">Their password <span class="hint">(only for a password you set; at least
    ${passwordMinLength} characters)</span></label>
    <input id="new-password" name="newPassword" type="password" autocomplete="new-password">
  </fieldset>
  <label for="password">Your password <span class="hint">(a recovery link or a role above user needs a recent
  sign-in)</span></label>
  <input id="password" name="password" type="password" autocomplete="current-password">
  <div class="actions"><button type="submit">Add user</button><a href="${page.base}/admin/users">Cancel</a></div>
</form>`;
}
