import type { ApiTokenView, CreatedApiToken } from '@app/core/accounts';
import type { Request } from 'express';
import { csrfField } from '../../auth/csrf';
import { html, type SafeHtml } from '../../pages/html';
import { type ConsolePage, consolePage, formatTime } from '../console.layout';
import * as ui from '../console.widgets';

export const TOKEN_NOTICES: Record<string, string> = {
  'token-revoked': 'Token revoked: it no longer works.',
};

function stateBadge(t: ApiTokenView, now: number): SafeHtml {
  if (t.revokedAt)
    return ui.statusBadge('account', 'revoked', { text: `revoked ${formatTime(t.revokedAt)}` });
  return ui.statusBadge('account', t.expiresAt && Date.parse(t.expiresAt) <= now ? 'expired' : 'active');
}

function tokenTable(
  req: Request,
  id: string,
  caption: string,
  tokens: ApiTokenView[],
  owners?: Map<number, string>,
): SafeHtml {
  const now = Date.now();
  const rows = tokens.map(
    (t) =>
      html`<tr>
        <td>${t.name}</td>
        ${owners ? html`<td>${owners.get(t.userId) ?? `user ${t.userId}`}</td>` : ''}
        <td><code>${t.prefix}…</code></td>
        <td>${formatTime(t.createdAt)}</td>
        <td>${formatTime(t.lastUsedAt)}</td>
        <td>${t.expiresAt ? formatTime(t.expiresAt) : 'never'}</td>
        <td>${stateBadge(t, now)}</td>
        <td>
          ${
            t.revokedAt
              ? ''
              : html`<form method="post" action="/admin/tokens/${t.id}/revoke" class="inline">
                  ${csrfField(req)}
                  <button type="submit" class="secondary flat" aria-label="Revoke token ${t.name}">
                    Revoke
                  </button>
                </form>`
          }
        </td>
      </tr>`,
  );
  return ui.tableScroll(
    caption,
    html`<table id="${id}">
      <caption class="sr-only">
        ${caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          ${owners ? html`<th scope="col">Owner</th>` : ''}
          <th scope="col">Starts with</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">Expires</th>
          <th scope="col">State</th>
          <th scope="col"><span class="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length
            ? rows
            : html`<tr>
                <td colspan="${owners ? 8 : 7}" class="muted">No tokens.</td>
              </tr>`
        }
      </tbody>
    </table>`,
  );
}

export interface TokensView {
  own: ApiTokenView[];
  /** Admins: everyone else's tokens, with their owners' addresses. */
  others?: { tokens: ApiTokenView[]; owners: Map<number, string> };
  /** False for the bootstrap ADMIN_API_TOKEN, which belongs to no user. */
  canCreate: boolean;
}

export function tokensPage(
  req: Request,
  v: TokensView,
  st: { notice?: string; error?: string; name?: string; validUntil?: string } = {},
): ConsolePage {
  const body = html`<h1>API tokens</h1>
    <p>
      A personal API token lets a script call the admin API (<a href="/api/docs">API docs</a>) as you, with
      your role: send it as <code>Authorization: Bearer &lt;token&gt;</code>. Revoke a token you no longer
      use. A new password, or disabling the account, revokes all of its tokens.
    </p>
    ${
      v.canCreate
        ? html`<form method="post" action="/admin/tokens" class="card">
            ${csrfField(req)}
            <h2 class="flush">Create a token</h2>
            ${ui.textField({
              id: 'token-name',
              name: 'name',
              label: 'Name',
              value: st.name,
              hint: 'What it is for, e.g. "deploy script" (1 to 100 characters).',
              attrs: html`required maxlength="100"`,
            })}
            ${ui.textField({
              id: 'token-valid-until',
              name: 'validUntil',
              label: 'Valid until (optional)',
              type: 'date',
              value: st.validUntil,
              hint: 'The token works through this day (UTC) and is refused after it. Empty: until you revoke it.',
            })}
            ${ui.fieldError('token-error', st.error)}
            <button type="submit">Create token</button>
          </form>`
        : html`<p class="muted">
              Sign in to the console as a user to create personal tokens: a bearer token cannot create them.
            </p>
            ${ui.fieldError('token-error', st.error)}`
    }
    <h2>${v.others ? 'Your tokens' : 'Tokens'}</h2>
    ${tokenTable(req, 'own-tokens', 'Your API tokens', v.own)}
    ${
      v.others
        ? html`<h2>Other users' tokens</h2>
            ${tokenTable(req, 'other-tokens', "Other users' API tokens", v.others.tokens, v.others.owners)}`
        : ''
    }`;
  return consolePage(req, 'API tokens', body, { section: 'tokens', notice: st.notice });
}

/** The only time the token itself is on a page. */
export function tokenCreatedPage(req: Request, t: CreatedApiToken): ConsolePage {
  const body = html`<h1>Token created</h1>
    <div class="card">
      <p role="alert">
        <strong>Copy this token now: it will not be shown again.</strong> Only a hash is kept.
      </p>
      <label for="new-token">Token "${t.name}"</label>
      <input
        id="new-token"
        class="secret"
        type="text"
        readonly
        value="${t.token}"
        spellcheck="false"
        autocomplete="off"
      />
      <p class="hint">Send it as <code>Authorization: Bearer &lt;token&gt;</code>. It acts with your role.</p>
    </div>
    <p><a class="button" href="/admin/tokens">Done</a></p>`;
  return consolePage(req, 'Token created', body, { section: 'tokens' });
}
