import { PASSWORD_MIN_LENGTH, ROLES, type UserView } from '@app/core/accounts';
import type { Request } from 'express';
import { csrfField } from '../../auth/csrf';
import { html, raw, type SafeHtml } from '../../pages/html';
import {
  type ConsolePage,
  consolePage,
  dataTable,
  fieldError,
  fieldList,
  formatTime,
  statusBadge,
} from '../console.layout';

export const USER_NOTICES: Record<string, string> = {
  'user-created': 'User created. They can sign in now.',
  'role-changed': 'Role changed.',
  'user-disabled': 'User disabled: their sessions ended and their API tokens stop working.',
  'user-enabled': 'User enabled again.',
  'password-changed': 'Password changed: the user’s sessions ended.',
  'user-deleted': 'User deleted with their sessions and API tokens.',
};

const ROLE_HELP =
  'admin: everything, including users; editor: editions, campaigns, subscribers; ops: queues, metrics, campaign progress and pause.';

function roleOptions(selected: string): SafeHtml[] {
  return ROLES.map(
    (r) => html`<option value="${r}" ${(r as string) === selected ? raw('selected') : ''}>${r}</option>`,
  );
}

function stateBadge(u: UserView): SafeHtml {
  return statusBadge('account', u.disabled ? 'disabled' : 'active');
}

export interface CreateUserState {
  error?: string;
  email?: string;
  role?: string;
}

/** A new password and its repetition (ids prefixed so two forms can share a page). */
function passwordFields(prefix: string, label: string, hint: string): SafeHtml {
  return html`<label for="${prefix}password">${label}</label>
    <input
      id="${prefix}password"
      name="password"
      type="password"
      required
      minlength="${PASSWORD_MIN_LENGTH}"
      autocomplete="new-password"
      aria-describedby="${prefix}password-hint"
    />
    <p class="hint" id="${prefix}password-hint">At least ${PASSWORD_MIN_LENGTH} characters. ${hint}</p>
    <label for="${prefix}confirm">Repeat the password</label>
    <input
      id="${prefix}confirm"
      name="confirm"
      type="password"
      required
      minlength="${PASSWORD_MIN_LENGTH}"
      autocomplete="new-password"
    />`;
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
    ${dataTable({ id: 'users', caption: 'Console users', columns: ['Email', 'Role', 'State', 'Created'], rows: rows })}
    <h2 id="create-h">Create a user</h2>
    <form method="post" action="/admin/users" class="card" aria-labelledby="create-h">
      ${csrfField(req)} ${fieldError('create-error', st.error)}
      <label for="email">Email</label>
      <input
        id="email"
        name="email"
        type="email"
        required
        maxlength="254"
        autocomplete="off"
        value="${st.email ?? ''}"
      />
      <label for="role">Role</label>
      <select id="role" name="role" aria-describedby="role-hint">
        ${roleOptions(st.role ?? 'editor')}
      </select>
      <p class="hint" id="role-hint">${ROLE_HELP}</p>
      ${passwordFields('', 'Password', 'Tell it to the user in person or by another channel.')}
      <button type="submit">Create user</button>
    </form>`;
  return consolePage(req, 'Users', body, { section: 'users', notice: st.notice });
}

export interface UserFormState {
  error?: string;
  form?: 'role' | 'disable' | 'password' | 'delete';
}

export function userPage(
  req: Request,
  u: UserView,
  st: UserFormState & { notice?: string } = {},
): ConsolePage {
  const err = (form: UserFormState['form']) => (st.form === form ? st.error : undefined);
  const self = req.principal?.userId === u.id;
  const body = html`<p class="small"><a href="/admin/users">← All users</a></p>
    <h1>${u.email}</h1>
    <div class="card">
      ${fieldList([
        ['Role', u.role],
        ['State', stateBadge(u)],
        ['Created', formatTime(u.createdAt)],
      ])}
      ${self ? html`<p class="small muted">This is you.</p>` : ''}
    </div>
    <div class="grid">
      <form method="post" action="/admin/users/${u.id}/role" class="card">
        ${csrfField(req)}
        <h2 class="flush">Change role</h2>
        <label for="new-role">Role</label>
        <select id="new-role" name="role" aria-describedby="new-role-hint">
          ${roleOptions(u.role)}
        </select>
        <p class="hint" id="new-role-hint">${ROLE_HELP}</p>
        ${fieldError('role-error', err('role'))}
        <button type="submit">Change role</button>
      </form>
      <form method="post" action="/admin/users/${u.id}/${u.disabled ? 'enable' : 'disable'}" class="card">
        ${csrfField(req)}
        <h2 class="flush">${u.disabled ? 'Enable' : 'Disable'}</h2>
        <p class="small">
          ${
            u.disabled
              ? 'Lets the user sign in again; their API tokens work again unless revoked.'
              : 'Stops sign-in at once: ends every session and suspends every API token of the user.'
          }
        </p>
        ${fieldError('disable-error', err('disable'))}
        <button type="submit" class="${u.disabled ? '' : 'danger'}">
          ${u.disabled ? 'Enable user' : 'Disable user'}
        </button>
      </form>
      <form method="post" action="/admin/users/${u.id}/password" class="card">
        ${csrfField(req)}
        <h2 class="flush">Set a new password</h2>
        ${passwordFields('new-', 'New password', "Ends the user's sessions.")}
        ${fieldError('password-error', err('password'))}
        <button type="submit">Set password</button>
      </form>
      <form method="post" action="/admin/users/${u.id}/delete" class="card">
        ${csrfField(req)}
        <h2 class="flush">Delete</h2>
        <p class="small">Deletes the user with their sessions and API tokens. This cannot be undone.</p>
        <div class="check">
          <input id="confirm-delete" name="confirm" type="checkbox" value="yes" required />
          <label for="confirm-delete">Delete ${u.email} for good</label>
        </div>
        ${fieldError('delete-error', err('delete'))}
        <button type="submit" class="danger">Delete user</button>
      </form>
    </div>`;
  return consolePage(req, u.email, body, { section: 'users', notice: st.notice });
}
