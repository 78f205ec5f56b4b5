import { PASSWORD_MIN_LENGTH, ROLES, type UserView } from '@app/core/accounts';
import type { Request } from 'express';
import { csrfField } from '../../auth/csrf';
import { html, type SafeHtml } from '../../pages/html';
import { type ConsolePage, consolePage, formatTime } from '../console.layout';
import * as ui from '../console.widgets';

export const USER_NOTICES: Record<string, string> = {
  'user-created': 'User created. They can sign in now.',
  'role-changed': 'Role changed.',
  'user-disabled': 'User disabled: their sessions ended and their API tokens stop working.',
  'user-enabled': 'User enabled again.',
  'password-changed': 'Password changed: the user’s sessions ended.',
  'user-deleted': 'User deleted with their sessions and API tokens.',
  'two-factor-reset': 'Two-factor sign-in reset: the user’s sessions ended; they set it up again.',
};

/** The role choice, on the create form and on a user's page. */
const ROLE_FIELD = {
  name: 'role',
  label: 'Role',
  options: ROLES,
  hint: 'admin: everything, including users; editor: editions, campaigns, subscribers; ops: queues, metrics, campaign progress and pause.',
};

function stateBadge(u: UserView): SafeHtml {
  return ui.statusBadge('account', u.disabled ? 'disabled' : 'active');
}

export interface CreateUserState {
  error?: string;
  email?: string;
  role?: string;
}

/** A new password and its repetition (ids prefixed so two forms can share a page). */
function passwordFields(prefix: string, label: string, hint: string): SafeHtml {
  const attrs = html`required minlength="${PASSWORD_MIN_LENGTH}" autocomplete="new-password"`;
  return html`${ui.textField({
    id: `${prefix}password`,
    name: 'password',
    label,
    type: 'password',
    hint: `At least ${PASSWORD_MIN_LENGTH} characters. ${hint}`,
    attrs,
  })}
  ${ui.textField({ id: `${prefix}confirm`, name: 'confirm', label: 'Repeat the password', type: 'password', attrs })}`;
}

export function usersPage(
  req: Request,
  users: UserView[],
  st: CreateUserState & { notice?: string } = {},
): ConsolePage {
  const rows = users.map(
    (u) =>
      html`<tr>
        <td><a href="/admin/users/${u.id}">${u.email}</a></td>
        <td>${u.role}</td>
        <td>${stateBadge(u)}</td>
        <td>${formatTime(u.createdAt)}</td>
      </tr>`,
  );
  const body = html`<h1>Users</h1>
    ${ui.dataTable({ id: 'users', caption: 'Console users', columns: ['Email', 'Role', 'State', 'Created'], rows: rows })}
    <h2 id="create-h">Create a user</h2>
    <form method="post" action="/admin/users" class="card" aria-labelledby="create-h">
      ${csrfField(req)} ${ui.fieldError('create-error', st.error)}
      ${ui.textField({
        id: 'email',
        name: 'email',
        label: 'Email',
        type: 'email',
        value: st.email,
        attrs: html`required maxlength="254" autocomplete="off"`,
      })}
      ${ui.selectField({ ...ROLE_FIELD, id: 'role', selected: st.role ?? 'editor' })}
      ${passwordFields('', 'Password', 'Tell it to the user in person or by another channel.')}
      <button type="submit">Create user</button>
    </form>`;
  return consolePage(req, 'Users', body, { section: 'users', notice: st.notice });
}

export interface UserFormState {
  error?: string;
  form?: 'role' | 'disable' | 'password' | 'delete' | 'two-factor';
}

/** What may be done to a user: each a form of its own. */
function userForms(u: UserView): ui.FormCard[] {
  const base = `/admin/users/${u.id}`;
  const role = ui.selectField({ ...ROLE_FIELD, id: 'new-role', selected: u.role });
  const disable = html`<p class="small">
    ${
      u.disabled
        ? 'Lets the user sign in again; their API tokens work again unless revoked.'
        : 'Stops sign-in at once: ends every session and suspends every API token of the user.'
    }
  </p>`;
  const password = passwordFields('new-', 'New password', "Ends the user's sessions.");
  const remove = html`<p class="small">
      Deletes the user with their sessions and API tokens. This cannot be undone.
    </p>
    ${ui.checkbox({
      id: 'confirm-delete',
      name: 'confirm',
      value: 'yes',
      label: `Delete ${u.email} for good`,
      required: true,
    })}`;
  const onOff = u.disabled
    ? { action: `${base}/enable`, title: 'Enable', button: 'Enable user' }
    : { action: `${base}/disable`, title: 'Disable', button: 'Disable user', danger: true };
  const twoFactor = html`<p class="small">
    For a lost phone: removes the user’s authenticator secret and recovery codes and ends their sessions. They
    set it up again (at their next sign-in when two-factor sign-in is required).
  </p>`;
  return [
    { key: 'role', action: `${base}/role`, title: 'Change role', button: 'Change role', fields: role },
    ...(u.twoFactor
      ? [
          {
            key: 'two-factor',
            action: `${base}/two-factor/reset`,
            title: 'Reset two-factor sign-in',
            button: 'Reset two-factor',
            fields: twoFactor,
            danger: true,
          },
        ]
      : []),
    { key: 'disable', ...onOff, fields: disable },
    {
      key: 'password',
      action: `${base}/password`,
      title: 'Set a new password',
      button: 'Set password',
      fields: password,
    },
    {
      key: 'delete',
      action: `${base}/delete`,
      title: 'Delete',
      button: 'Delete user',
      fields: remove,
      danger: true,
    },
  ];
}

export function userPage(
  req: Request,
  u: UserView,
  st: UserFormState & { notice?: string } = {},
): ConsolePage {
  const self = req.principal?.userId === u.id;
  const body = html`<p class="small"><a href="/admin/users">← All users</a></p>
    <h1>${u.email}</h1>
    <div class="card">
      ${ui.fieldList([
        ['Role', u.role],
        ['State', stateBadge(u)],
        ['Created', formatTime(u.createdAt)],
        ['Two-factor sign-in', u.twoFactor ? 'on' : 'off'],
      ])}
      ${self ? html`<p class="small muted">This is you.</p>` : ''}
    </div>
    <div class="grid">
      ${userForms(u).map((f) => ui.formCard(req, { ...f, error: st.form === f.key ? st.error : undefined }))}
    </div>`;
  return consolePage(req, u.email, body, { section: 'users', notice: st.notice });
}
