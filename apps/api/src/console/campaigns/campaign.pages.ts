import type { CampaignView, DeliveryLogEntry, DeliveryPage } from '@app/core';
import { CampaignStatus, DeliveryStatus } from '@app/database';
import type { Request } from 'express';
import { feedbackOf, formatRate, progressOf, progressText } from '../../../assets/js/campaign-progress';
import { csrfField } from '../../auth/csrf';
import { html, raw, type SafeHtml } from '../../pages/html';
import { canRole, type ConsolePage, consolePage, formatTime } from '../console.layout';
import * as ui from '../console.widgets';

const NOTICES: Record<string, string> = {
  paused: 'Campaign paused. Messages already handed to the mail server finish; no new ones start.',
  resumed: 'Campaign resumed. Nobody who already received it gets a second copy.',
  cancelled: 'Campaign cancelled. Recipients still pending will not receive this edition.',
  missed: 'Queued the edition for subscribers who missed it.',
  'missed-none': 'Nobody missed this edition: there was no one to add or retry.',
};

/** The fixed message for a `?notice=` code (free text is never reflected), with send-missed's counts. */
export function noticeText(q: { notice?: string; added?: string; requeued?: string }): string | undefined {
  const text = q.notice !== undefined && Object.hasOwn(NOTICES, q.notice) ? NOTICES[q.notice] : undefined;
  if (text === undefined || q.notice !== 'missed' || q.added === undefined || q.requeued === undefined)
    return text;
  return `${text} Added ${q.added} new recipients, queued ${q.requeued} failed or skipped deliveries again.`;
}

/** A campaign's `<progress>` (its text equivalent inside, for browsers that draw none). */
function progressElement(c: CampaignView, attrs: SafeHtml): SafeHtml {
  const p = progressOf(c);
  return html`<progress ${attrs} max="${Math.max(p.total, 1)}" ${p.total > 0 ? raw(`value="${p.done}"`) : ''}>
    ${p.percent ?? ''}%
  </progress>`;
}

/** A campaign's progress bar with its figures in words (for the list and the dashboard). */
export function progressBar(c: CampaignView, label: string): SafeHtml {
  return html`${progressElement(c, html`aria-label="${label}"`)}
    <span class="small muted">${progressText(progressOf(c))}</span>`;
}

export function campaignsTable(items: CampaignView[], caption: string): SafeHtml {
  if (items.length === 0) return html`<p class="muted">No campaigns yet. Send an edition from its page.</p>`;
  return ui.dataTable({
    caption,
    columns: [
      'Campaign',
      'Edition',
      'Status',
      { label: 'Sent', num: true },
      { label: 'Failed', num: true },
      { label: 'Bounced', num: true },
      { label: 'Complained', num: true },
      { label: 'Skipped', num: true },
      { label: 'Pending', num: true },
      { label: 'Recipients', num: true },
      'Created',
      'Started',
      'Finished',
    ],
    rows: items.map(
      (c) =>
        html`<tr>
          <th scope="row"><a href="/admin/campaigns/${c.id}">#${c.id}</a></th>
          <td>
            <a href="/admin/editions/${c.editionId}">${c.editionSlug}</a><br /><span class="small muted"
              >${c.subject}</span
            >
          </td>
          <td>${ui.statusBadge('campaign', c.status)}</td>
          <td class="num">${c.sent}</td>
          <td class="num">${c.failed}</td>
          <td class="num">${c.bounced}</td>
          <td class="num ${c.complaintRateOverLimit ? 'status-bad' : ''}">
            ${c.complained}${c.complaintRateOverLimit ? html`<br /><span class="small">over 0.3 %</span>` : ''}
          </td>
          <td class="num">${c.skipped}</td>
          <td class="num">${c.pending}</td>
          <td class="num">${c.total}</td>
          <td class="small">${formatTime(c.createdAt)}</td>
          <td class="small">${formatTime(c.startedAt ?? c.scheduledAt)}</td>
          <td class="small">${formatTime(c.finishedAt)}</td>
        </tr>`,
    ),
  });
}

export function listBody(items: CampaignView[], nextCursor: string | null): SafeHtml {
  return html`<h1>Campaigns</h1>
    <p class="muted">
      One full send per edition, newest first. Open a campaign to watch it live, pause, resume or cancel it,
      and read the per-recipient log.
    </p>
    ${campaignsTable(items, 'Campaigns, newest first')}
    ${
      nextCursor
        ? html`<p><a href="/admin/campaigns?cursor=${nextCursor}" rel="next">Older campaigns</a></p>`
        : ''
    }`;
}

function show(status: CampaignStatus, when: CampaignStatus[], extra = true): SafeHtml {
  return html`data-show-when="${when.join(' ')}" ${when.includes(status) && extra ? '' : raw('hidden')}`;
}

function actions(req: Request, c: CampaignView): SafeHtml {
  const editor = canRole(req, 'admin', 'editor');
  const base = `/admin/campaigns/${c.id}`;
  const S = CampaignStatus;
  const pause = html`<form method="post" action="${base}/pause" class="inline" ${show(c.status, [S.Running])}>
    ${csrfField(req)}<button type="submit" id="pause-button">Pause sending</button>
  </form>`;
  if (!editor) {
    return html`${pause}
      <p class="small muted">Operators may pause a running campaign; editors resume or cancel it.</p>`;
  }
  return html`${pause}
    <form method="post" action="${base}/resume" class="inline" ${show(c.status, [S.Paused])}>
      ${csrfField(req)}<button type="submit" id="resume-button">Resume sending</button>
    </form>
    <form
      method="get"
      action="${base}/cancel"
      class="inline"
      ${show(c.status, [S.Scheduled, S.Running, S.Paused])}
    >
      <button type="submit" class="danger" id="cancel-button">Cancel campaign…</button>
    </form>
    <form
      method="post"
      action="${base}/send-missed"
      class="inline"
      data-needs-fanout
      ${show(c.status, [S.Running, S.Paused, S.Completed], c.fannedOutAt !== null)}
    >
      ${csrfField(req)}<button type="submit" class="secondary" id="send-missed-button">
        Send to missed subscribers
      </button>
    </form>
    <p class="small muted">
      “Send to missed subscribers” sends this edition to readers confirmed since the send and retries failed
      deliveries; nobody who received it gets it twice.
    </p>`;
}

function stat(key: string, label: string, value: number): SafeHtml {
  return html`<div>
    <dt>${label}</dt>
    <dd id="count-${key}">${value}</dd>
  </div>`;
}

/**
 * Late bounces and complaints with their rates (campaign-live.js keeps them current). A complaint rate at or
 * above 0.3 % (Gmail's and Yahoo's bulk-sender limit) is said in words and drawn in the alert colour.
 */
function feedbackStats(c: CampaignView): SafeHtml {
  const fb = feedbackOf(c);
  return html`<h3 class="small">Bounces and complaints</h3>
    <dl class="stats" aria-label="Bounces and complaints">
      ${stat('lateBounces', 'Late bounces (after sending)', c.lateBounces)}
      <div>
        <dt>Bounce rate</dt>
        <dd class="long"><span id="bounce-rate">${fb.bounceRateText}</span></dd>
      </div>
      <div id="complaint-rate-box" ${fb.complaintOverLimit ? raw('class="over-limit"') : ''}>
        <dt>Complaint rate</dt>
        <dd class="long">
          <span id="complaint-rate">${fb.complaintRateText}</span>
          <span id="complaint-note" class="small">${fb.complaintNote}</span>
        </dd>
      </div>
    </dl>
    <p class="small muted">
      Rates: bounces of messages with an outcome (sent, bounced, complained); complaints of messages
      delivered. Keep complaints under 0.3 % (better 0.1 %): above it Gmail and Yahoo send the rest to spam or
      refuse it.
      <a href="/admin/feedback/events?campaign=${c.id}">This campaign's bounces and complaints</a>
    </p>`;
}

/** Who sent the edition despite failed pre-send checks, when, and which checks (nothing without an override). */
function overrideNotice(c: CampaignView): SafeHtml | '' {
  const o = c.override;
  if (!o) return '';
  const who = o.byEmail ?? (o.byUserId === null ? 'the bootstrap admin token' : `user #${o.byUserId}`);
  const n = o.failedChecks.length;
  return html`<section class="card warning" id="override" aria-labelledby="override-heading">
    <h2 id="override-heading" class="flush">Sent despite ${n} failed check${n === 1 ? '' : 's'}</h2>
    <p>
      <strong id="override-by">${who}</strong> chose “send anyway” on ${formatTime(o.at)} with these pre-send
      checks failing:
    </p>
    <ul id="override-checks">
      ${o.failedChecks.map((f) => html`<li data-check="${f.id}"><strong>${f.label}</strong>: ${f.detail}</li>`)}
    </ul>
  </section>`;
}

/**
 * Whether the campaign was scheduled for later: "send now" is stored as a schedule for the moment it was
 * requested, which the page does not call a schedule. A minute is the schedule form's own precision.
 */
export function scheduledForLater(c: Pick<CampaignView, 'scheduledAt' | 'createdAt'>): boolean {
  return c.scheduledAt !== null && Date.parse(c.scheduledAt) - Date.parse(c.createdAt) >= 60_000;
}

/** The live campaign page; campaign-live.js keeps the same elements current. */
export function campaignBody(req: Request, c: CampaignView, latest: DeliveryLogEntry[] = []): SafeHtml {
  const p = progressOf(c);
  const done = progressText(p);
  const logBase = `/admin/campaigns/${c.id}/deliveries`;
  return html`<h1>Campaign #${c.id}: ${c.subject}</h1>
    <p>
      Edition <a href="/admin/editions/${c.editionId}">${c.editionSlug}</a> ·
      <a href="/admin/campaigns/${c.id}/report" id="campaign-report-link">Report (clicks, unsubscribes)</a> ·
      <a href="/admin/campaigns">All campaigns</a>
    </p>
    ${overrideNotice(c)}
    <section
      class="card"
      id="campaign-live"
      aria-labelledby="progress-heading"
      data-poll-url="/api/admin/campaigns/${c.id}"
      data-status="${c.status}"
    >
      <h2 id="progress-heading" class="flush">Progress</h2>
      <div aria-live="polite" aria-atomic="true" id="live-status">
        <p>
          Status: <strong>${ui.statusBadge('campaign', c.status, { id: 'campaign-status' })}</strong>
          <span id="pause-reason"
            >${c.status === CampaignStatus.Paused && c.pauseReason ? `— ${c.pauseReason}` : ''}</span
          >
        </p>
      </div>
      <p id="live-error" class="error" role="alert" hidden></p>
      <label for="campaign-progress">Recipients done: <span id="progress-text">${done}</span></label>
      ${progressElement(c, html`id="campaign-progress"`)}
      <p
        id="fanout-note"
        class="small muted"
        ${c.status === CampaignStatus.Running && !c.fannedOutAt ? '' : raw('hidden')}
      >
        The recipient list is still being written; the total grows until it is complete.
      </p>
      <dl class="stats">
        ${stat('sent', 'Sent', c.sent)} ${stat('failed', 'Failed', c.failed)}
        ${stat('bounced', 'Bounced', c.bounced)} ${stat('complained', 'Complained', c.complained)}
        ${stat('skipped', 'Skipped', c.skipped)} ${stat('pending', 'Pending', c.pending)}
        ${stat('total', 'Recipients', c.total)}
        <div>
          <dt>Rate</dt>
          <dd class="long">
            <span id="rate">${formatRate(p.rate)}</span>
            <span id="rate-basis" class="small muted">(${p.rateBasis})</span>
          </dd>
        </div>
        <div>
          <dt>Time left (ETA)</dt>
          <dd class="long"><span id="eta">${p.etaText}</span></dd>
        </div>
      </dl>
      ${feedbackStats(c)}
      <dl class="stats small">
        ${
          scheduledForLater(c)
            ? html`<div>
                <dt>Scheduled for</dt>
                <dd class="small"><span id="scheduled-at">${formatTime(c.scheduledAt)}</span></dd>
              </div>`
            : html`<div>
                <dt>Requested (send now)</dt>
                <dd class="small"><span id="requested-at">${formatTime(c.createdAt)}</span></dd>
              </div>`
        }
        <div>
          <dt>Started</dt>
          <dd class="small"><span id="started-at">${formatTime(c.startedAt)}</span></dd>
        </div>
        <div>
          <dt>Completed / cancelled</dt>
          <dd class="small"><span id="finished-at">${formatTime(c.finishedAt)}</span></dd>
        </div>
      </dl>
    </section>
    <section class="card" aria-labelledby="actions-heading">
      <h2 id="actions-heading" class="flush">Actions</h2>
      ${actions(req, c)}
    </section>
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">Delivery log</h2>
      ${
        latest.length
          ? html`<p class="small muted">
                The ${latest.length} deliveries that changed last, as of when this page loaded (newest first).
              </p>
              ${deliveryRows('latest-deliveries', 'Deliveries that changed last, newest first', latest)}`
          : html`<p class="muted" id="latest-deliveries-empty">No deliveries yet.</p>`
      }
      <p>
        <a href="${logBase}">Every recipient</a> · <a href="${logBase}?status=failed">Failed</a> ·
        <a href="${logBase}?status=bounced">Bounced</a> ·
        <a href="${logBase}?status=complained">Complained</a> ·
        <a href="${logBase}?status=skipped">Skipped</a> · <a href="${logBase}?status=queued">Queued</a> ·
        <a href="${logBase}?status=sent">Sent</a>
      </p>
    </section>`;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  q?: string;
  cursor?: string;
}

export function deliveriesQuery(f: DeliveryFilter, cursor?: string | null): string {
  const qs = new URLSearchParams();
  if (f.status) qs.set('status', f.status);
  if (f.q) qs.set('q', f.q);
  if (cursor) qs.set('cursor', cursor);
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** The delivery log with its filter form (the values as given, shown escaped). */
export function deliveriesBody(
  campaignId: number,
  form: { status: string; q: string },
  page: DeliveryPage,
  filter: DeliveryFilter,
): SafeHtml {
  const base = `/admin/campaigns/${campaignId}/deliveries`;
  return html`<h1>Delivery log of campaign #${campaignId}</h1>
    <p><a href="/admin/campaigns/${campaignId}">Back to the campaign</a></p>
    <form method="get" action="${base}" class="card filters" role="search" aria-label="Filter deliveries">
      <div>
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          <option value="">any</option>
          ${Object.values(DeliveryStatus).map(
            (s) =>
              html`<option value="${s}" ${form.status === (s as string) ? raw('selected') : ''}>
                ${s}
              </option>`,
          )}
        </select>
      </div>
      <div>
        <label for="filter-q">Recipient email contains</label>
        <input type="search" id="filter-q" name="q" value="${form.q}" maxlength="254" />
      </div>
      <div><button type="submit">Filter</button> <a href="${base}">Clear</a></div>
    </form>
    ${deliveriesTable(page, base, filter)}`;
}

function deliveriesTable(page: DeliveryPage, base: string, filter: DeliveryFilter): SafeHtml {
  if (page.items.length === 0) {
    return html`<p id="deliveries-empty">No deliveries match${filter.cursor ? ' on this page' : ''}.</p>`;
  }
  return html`${deliveryRows('deliveries', 'Deliveries, in the order they were written', page.items)}
  ${
    page.nextCursor
      ? html`<p><a href="${base}${deliveriesQuery(filter, page.nextCursor)}" rel="next">Next page</a></p>`
      : html`<p class="small muted">End of the log.</p>`
  }`;
}

/** Deliveries as a table: recipient, status, attempts, the mail server's last answer, times. */
function deliveryRows(id: string, caption: string, items: DeliveryLogEntry[]): SafeHtml {
  return ui.dataTable({
    id,
    caption,
    columns: [
      'Recipient',
      'Status',
      { label: 'Attempts', num: true },
      'Last response or error',
      'Sent at',
      'Updated',
    ],
    rows: items.map(
      (d) =>
        html`<tr>
          <th scope="row">
            ${
              d.email === null
                ? html`<span class="muted">(erased subscriber)</span>`
                : html`<a href="/admin/subscribers/${d.subscriberId}">${d.email}</a>`
            }
          </th>
          <td>${ui.statusBadge('delivery', d.status)}</td>
          <td class="num">${d.attempts}</td>
          <td class="small response">${d.lastResponse ?? '—'}</td>
          <td class="small">${formatTime(d.sentAt)}</td>
          <td class="small">${formatTime(d.updatedAt)}</td>
        </tr>`,
    ),
  });
}

/** The confirmation step of a cancel: what it means for this campaign, and a box to tick. */
export function cancelBody(req: Request, c: CampaignView, cancellable: boolean): SafeHtml {
  return html`<h1>Cancel campaign #${c.id}?</h1>
    <p>Edition <a href="/admin/editions/${c.editionId}">${c.editionSlug}</a>: ${c.subject}</p>
    <p>
      Status ${ui.statusBadge('campaign', c.status)}. Sent to ${c.sent} of ${c.total} recipients so far;
      ${c.pending} still pending.
    </p>
    ${
      cancellable
        ? html`<form method="post" action="/admin/campaigns/${c.id}/cancel" class="card">
            ${csrfField(req)}
            <p>
              Cancelling stops the send for good: the ${c.pending} pending recipients will not receive this
              edition (the delivery log keeps them as queued). It cannot be resumed.
            </p>
            <label class="check" for="confirm"
              ><input type="checkbox" id="confirm" name="confirm" value="yes" required /> Yes, cancel this
              campaign</label
            >
            <button type="submit" class="danger" id="confirm-cancel-button">Cancel campaign</button>
            <a href="/admin/campaigns/${c.id}">Keep sending</a>
          </form>`
        : html`<p><a href="/admin/campaigns/${c.id}">Back to the campaign</a></p>`
    }`;
}

// ---- the pages --------------------------------------------------------------------------------------------

/** The live campaign page, with the script that keeps it current. */
export function campaignPage(
  req: Request,
  c: CampaignView,
  latest: DeliveryLogEntry[],
  messages: { notice?: string; error?: string } = {},
): ConsolePage {
  return consolePage(req, `Campaign #${c.id} (${c.status})`, campaignBody(req, c, latest), {
    section: 'campaigns',
    scripts: ['campaign-progress.js', 'campaign-live.js'],
    ...messages,
  });
}

export function cancelPage(req: Request, c: CampaignView, cancellable: boolean, error?: string): ConsolePage {
  return consolePage(req, 'Cancel campaign', cancelBody(req, c, cancellable), {
    section: 'campaigns',
    error,
  });
}
