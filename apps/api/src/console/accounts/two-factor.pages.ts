import type { Enrolment, TwoFactorStatus } from '@app/core/accounts';
import type { Request } from 'express';
import { csrfField } from '../../auth/csrf';
import { codeField, enrolmentPanel, recoveryCodesPanel } from '../../auth/two-factor.pages';
import { html } from '../../pages/html';
import { type ConsolePage, consolePage, formatTime } from '../console.layout';
import * as ui from '../console.widgets';

/** /admin/account/two-factor: the state of one's second factor, or its set-up. */
export async function twoFactorPage(
  req: Request,
  status: TwoFactorStatus,
  enrolment: Enrolment | undefined,
  error?: string,
): Promise<ConsolePage> {
  const body = enrolment
    ? html`<h1>Set up two-factor sign-in</h1>
        <div class="card">${await enrolmentPanel(enrolment)}</div>
        <form method="post" action="/admin/account/two-factor" class="card">
          ${csrfField(req)} ${codeField('Code from the app', 'The 6 digits it shows now.')}
          ${ui.fieldError('code-error', error)}
          <button type="submit">Turn on two-factor sign-in</button>
        </form>`
    : html`<h1>Two-factor sign-in</h1>
        <div class="card">
          ${ui.fieldList([
            ['State', ui.statusBadge('account', 'active', { text: 'on' })],
            ['On since', status.enabledAt ? formatTime(status.enabledAt) : ''],
            ['Recovery codes left', String(status.recoveryCodesLeft)],
          ])}
          <p class="small">
            Lost your phone or used up your recovery codes? Ask an admin to reset your second factor; you then
            set it up again.
          </p>
        </div>`;
  return consolePage(req, 'Two-factor sign-in', body);
}

/** After enrolment: the recovery codes, once. */
export function twoFactorDonePage(req: Request, codes: string[]): ConsolePage {
  return consolePage(
    req,
    'Two-factor sign-in is on',
    html`<h1>Two-factor sign-in is on</h1>
      <div class="card">${recoveryCodesPanel(codes)}</div>
      <p><a href="/admin">Continue to the dashboard</a></p>`,
    { notice: 'Two-factor sign-in is on: from your next sign-in, the console asks for a code.' },
  );
}
