import {
  CampaignService,
  type CampaignView,
  ConfirmationBudget,
  type ConfirmationBacklog,
  EditionService,
  SubscriberAdminService,
} from '@app/core';
import { withTimeout } from '@app/core/metrics';
import { CampaignStatus, SubscriberStatus } from '@app/database';
import { Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { formatRate, progressOf } from '../../../assets/js/campaign-progress';
import { Roles } from '../../auth/roles.decorator';
import { html, type SafeHtml } from '../../pages/html';
import { sendPage } from '../../pages/send-page';
import { ConsoleController } from '../console-controller.decorator';
import { canRole, consolePage, formatTime } from '../console.layout';
import * as ui from '../console.widgets';
import { campaignsTable, progressBar } from './campaign.pages';

const LATEST = 5;
const ACTIVE = [CampaignStatus.Scheduled, CampaignStatus.Running, CampaignStatus.Paused];

const SUBSCRIBER_ORDER: { status: SubscriberStatus; label: string }[] = [
  { status: SubscriberStatus.Confirmed, label: 'Confirmed (receive every edition)' },
  { status: SubscriberStatus.Pending, label: 'Pending (not confirmed yet)' },
  { status: SubscriberStatus.Unsubscribed, label: 'Unsubscribed' },
  { status: SubscriberStatus.Bounced, label: 'Bounced' },
  { status: SubscriberStatus.Complained, label: 'Complained' },
];

function activeCard(c: CampaignView): SafeHtml {
  const p = progressOf(c);
  return html`<div class="card">
    <p class="flush">
      <a href="/admin/campaigns/${c.id}"><strong>Campaign #${c.id}</strong></a> · ${c.editionSlug}
      ${ui.statusBadge('campaign', c.status)}
    </p>
    ${progressBar(c, `Progress of campaign ${c.id}`)}
    <p class="small">
      Sent ${c.sent} · failed ${c.failed} · bounced ${c.bounced} · skipped ${c.skipped} · pending ${c.pending}
      · ${formatRate(p.rate)} (${p.rateBasis}) · time left ${p.etaText}
    </p>
  </div>`;
}

/**
 * The confirmation mails held back by the budgets (README "Confirmation mail budgets"): how many, for which
 * domains, when the next goes. `undefined`: Redis did not answer, said so rather than shown as none.
 */
function backlogCard(b: ConfirmationBacklog | undefined, limits: ConfirmationBudget['limits']): SafeHtml {
  const per = (n: number, what: string) => (n === 0 ? `no limit ${what}` : `${n} ${what}`);
  const budgets = `${per(limits.perDomain, 'per domain')}, ${per(limits.total, 'in total')} per hour`;
  let body: SafeHtml;
  if (!b) body = html`<p class="muted" id="confirmation-backlog">Unknown: Redis did not answer.</p>`;
  else if (b.waiting === 0)
    body = html`<p class="muted" id="confirmation-backlog">None: every confirmation went out at once.</p>`;
  else
    body = html`<p id="confirmation-backlog">
        <strong id="confirmation-backlog-count">${b.waiting}</strong> stored sign-ups wait for their
        confirmation mail${b.next ? html`; the next goes at ${formatTime(b.next)}` : ''}.
      </p>
      ${ui.dataTable({
        id: 'confirmation-backlog-domains',
        caption: 'Confirmation mails waiting, by recipient domain',
        columns: ['Domain', { label: 'Waiting', num: true }],
        rows: b.domains.map(
          (d) =>
            html`<tr>
              <th scope="row">${d.domain}</th>
              <td class="num">${d.waiting}</td>
            </tr>`,
        ),
      })}`;
  return html`<section class="card" aria-labelledby="backlog-heading">
    <h2 id="backlog-heading" class="flush">Confirmation mails waiting</h2>
    ${body}
    <p class="small">Budgets: ${budgets}.</p>
  </section>`;
}

/**
 * The console's home (/admin): where things stand, for every role, in three cheap queries and one Redis
 * script (the confirmation backlog).
 */
@ConsoleController('admin')
export class ConsoleHomeController {
  constructor(
    private readonly subscribers: SubscriberAdminService,
    private readonly campaigns: CampaignService,
    private readonly editions: EditionService,
    private readonly budget: ConfirmationBudget,
  ) {}

  @Get()
  @Roles('admin', 'editor', 'ops')
  async home(@Req() req: Request, @Res() res: Response): Promise<void> {
    const [counts, latest, editions, backlog] = await Promise.all([
      this.subscribers.countByStatus(),
      this.campaigns.list({ limit: LATEST }),
      this.editions.list(),
      // A Redis outage must not take the dashboard down with it.
      withTimeout(this.budget.backlog(5), 1500, 'confirmation backlog').catch(() => undefined),
    ]);
    const active = latest.items.filter((c) => ACTIVE.includes(c.status));
    const totalSubscribers = Object.values(counts).reduce((a, b) => a + b, 0);
    const ops = canRole(req, 'admin', 'ops');
    const editor = canRole(req, 'admin', 'editor');

    const body = html`<h1>Dashboard</h1>
      <div class="grid">
        <section class="card" aria-labelledby="subs-heading">
          <h2 id="subs-heading" class="flush">Subscribers</h2>
          ${ui.dataTable({
            id: 'subscriber-counts',
            caption: 'Subscribers by status',
            columns: ['Status', { label: 'Subscribers', num: true }],
            rows: [
              ...SUBSCRIBER_ORDER.map(
                (s) =>
                  html`<tr>
                    <th scope="row"><a href="/admin/subscribers?status=${s.status}">${s.label}</a></th>
                    <td class="num" id="subscribers-${s.status}">${counts[s.status]}</td>
                  </tr>`,
              ),
              html`<tr>
                <th scope="row"><a href="/admin/subscribers">All</a></th>
                <td class="num" id="subscribers-total">${totalSubscribers}</td>
              </tr>`,
            ],
          })}
        </section>
        <section class="card" aria-labelledby="links-heading">
          <h2 id="links-heading" class="flush">Shortcuts</h2>
          <ul>
            ${editor ? html`<li><a href="/admin/editions">Import or edit this month’s edition</a></li>` : ''}
            <li><a href="/admin/campaigns">Campaigns and delivery logs</a></li>
            <li><a href="/admin/subscribers">Search subscribers</a></li>
            ${
              ops
                ? html`<li><a href="/admin/queues">Queues (Bull Board)</a></li>
                    <li><a href="/metrics">Prometheus metrics</a></li>
                    <li><a href="/health/ready">Readiness check</a></li>`
                : ''
            }
            <li><a href="/admin/tokens">Personal API tokens</a></li>
            <li><a href="/api/docs">Admin API documentation</a></li>
          </ul>
        </section>
        ${backlogCard(backlog, this.budget.limits)}
      </div>
      <section aria-labelledby="active-heading">
        <h2 id="active-heading">Sending now</h2>
        ${
          active.length === 0
            ? html`<p class="muted" id="no-active">No campaign is scheduled, running or paused.</p>`
            : active.map(activeCard)
        }
      </section>
      <section aria-labelledby="campaigns-heading">
        <h2 id="campaigns-heading">Latest campaigns</h2>
        ${campaignsTable(latest.items, 'Latest campaigns')}
        <p><a href="/admin/campaigns">All campaigns</a></p>
      </section>
      <section aria-labelledby="editions-heading">
        <h2 id="editions-heading">Latest editions</h2>
        ${
          editions.length === 0
            ? html`<p class="muted">No editions yet.</p>`
            : ui.dataTable({
                caption: 'Latest editions',
                columns: ['Edition', 'Subject', 'Status', 'Sent', 'Updated'],
                rows: editions.slice(0, LATEST).map(
                  (e) =>
                    html`<tr>
                      <th scope="row"><a href="/admin/editions/${e.id}">${e.slug}</a></th>
                      <td>${e.subject}</td>
                      <td>${ui.statusBadge('edition', e.status)}</td>
                      <td class="small">${formatTime(e.sentAt)}</td>
                      <td class="small">${formatTime(e.updatedAt)}</td>
                    </tr>`,
                ),
              })
        }
        <p><a href="/admin/editions">All editions</a></p>
      </section>`;
    sendPage(res, 200, consolePage(req, 'Dashboard', body, { section: 'home' }));
  }
}
