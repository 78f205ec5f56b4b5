import {
  type FeedbackEventRow,
  type InboundListRow,
  type InboundMessageDetail,
  type KeysetPage,
  RAW_DISPLAY_BYTES,
} from '@app/core';
import type { Request } from 'express';
import { html, raw, type SafeHtml } from '../../pages/html';
import { canRole, type ConsolePage, consolePage, formatTime } from '../console.layout';
import * as ui from '../console.widgets';
import { CLASSIFICATIONS, FEEDBACK_KINDS, FEEDBACK_SOURCES, INBOUND_STATUSES } from './feedback.forms';

/** Recipients listed per message in the table (the rest are counted). */
const RCPT_SHOWN = 3;

/**
 * Whether this principal may read raw sources: operators (admin, ops). A bounce carries the original message
 * and an auto-reply the reader's own words, third-party content an operator needs to debug the parsers and
 * an editor does not; editors see the classification, the detail and the links (and each campaign's figures).
 */
export function mayReadRaw(req: Request): boolean {
  return canRole(req, 'admin', 'ops');
}

function tabs(current: 'inbound' | 'events'): SafeHtml {
  const tab = (key: string, href: string, label: string) =>
    key === current
      ? html`<a href="${href}" aria-current="page"><strong>${label}</strong></a>`
      : html`<a href="${href}">${label}</a>`;
  return html`<nav aria-label="Bounces and complaints" class="small">
    ${tab('inbound', '/admin/feedback', 'Inbound messages')} ·
    ${tab('events', '/admin/feedback/events', 'Feedback events')}
  </nav>`;
}

function query(params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** The delivery, campaign and subscriber something is tied to, as links (a dash when none). */
function links(r: {
  deliveryId: number | null;
  campaignId: number | null;
  subscriberId: number | null;
  subscriberEmail: string | null;
}): SafeHtml | string {
  const parts: SafeHtml[] = [];
  if (r.campaignId !== null) {
    parts.push(html`<a href="/admin/campaigns/${r.campaignId}">campaign #${r.campaignId}</a>`);
  }
  if (r.deliveryId !== null) parts.push(html`<span class="muted">delivery #${r.deliveryId}</span>`);
  if (r.subscriberId !== null) {
    parts.push(
      r.subscriberEmail === null
        ? html`<span class="muted">(erased subscriber)</span>`
        : html`<a href="/admin/subscribers/${r.subscriberId}">${r.subscriberEmail}</a>`,
    );
  }
  return parts.length ? html`${parts.map((p, i) => (i ? html`<br />${p}` : p))}` : '—';
}

function selectFilter(id: string, name: string, label: string, values: string[], selected: string): SafeHtml {
  return html`<div>
    <label for="${id}">${label}</label>
    <select id="${id}" name="${name}">
      <option value="">any</option>
      ${values.map((v) => html`<option value="${v}" ${v === selected ? raw('selected') : ''}>${v}</option>`)}
    </select>
  </div>`;
}

function pager(first: string, paged: boolean, next: string | null): SafeHtml {
  return html`<nav aria-label="Pages" class="small">
    ${paged ? html`<a class="button secondary" href="${first}">Newest</a>` : ''}
    ${next ? html`<a class="button secondary" rel="next" href="${next}">Older</a>` : ''}
  </nav>`;
}

export interface InboundListView {
  page: KeysetPage<InboundListRow>;
  status: string;
  classification: string;
  paged: boolean;
}

/** Recent inbound messages with their classification, newest first, filtered by status and classification. */
export function inboundListPage(req: Request, v: InboundListView): ConsolePage {
  const operator = mayReadRaw(req);
  const filters = { status: v.status, classification: v.classification };
  const rows = v.page.items.map((m) => {
    const shown = m.rcptTo.slice(0, RCPT_SHOWN);
    const more = m.rcptTo.length - shown.length;
    return html`<tr>
      <td class="small">${formatTime(m.receivedAt)}</td>
      <td class="small">
        ${m.remoteAddress}${m.helo ? html`<br /><span class="muted">${m.helo}</span>` : ''}
      </td>
      <td class="small response">
        from ${m.mailFrom === '' ? html`<span class="muted">&lt;&gt; (a bounce)</span>` : m.mailFrom}<br />
        to ${shown.join(', ')}${more > 0 ? html` <span class="muted">and ${more} more</span>` : ''}
      </td>
      <td>
        ${m.classification ? ui.statusBadge('feedback', m.classification) : html`<span class="muted">—</span>`}
      </td>
      <td>${ui.statusBadge('inbound', m.status)}</td>
      <td class="small response">${m.detail ?? '—'}</td>
      <td class="small">${links(m)}</td>
      ${operator ? html`<td><a href="/admin/feedback/inbound/${m.id}">#${m.id}</a></td>` : ''}
    </tr>`;
  });
  const columns = ['Received', 'Remote address', 'Envelope', 'Classification', 'Status', 'Detail', 'Tied to'];
  if (operator) columns.push('Message');
  const body = html`<h1>Bounces &amp; complaints</h1>
    ${tabs('inbound')}
    <p class="muted">
      Every message the inbound mail server accepted (bounces, complaints, unsubscribes by mail,
      auto-replies), newest first, with what processing made of it. Messages that could not be understood are
      kept as
      <strong>unparsed</strong>${operator ? ': open one to read its source' : ''}.
    </p>
    <form
      method="get"
      action="/admin/feedback"
      class="card filters"
      role="search"
      aria-label="Filter messages"
    >
      ${selectFilter('filter-status', 'status', 'Status', INBOUND_STATUSES, v.status)}
      ${selectFilter('filter-classification', 'classification', 'Classification', CLASSIFICATIONS, v.classification)}
      <div><button type="submit">Filter</button> <a href="/admin/feedback">Clear</a></div>
    </form>
    ${ui.dataTable({
      id: 'inbound',
      caption: 'Inbound messages, newest first',
      columns,
      rows: rows.length
        ? rows
        : html`<tr>
            <td colspan="${columns.length}" class="muted" id="inbound-empty">No inbound messages match.</td>
          </tr>`,
    })}
    ${pager(
      `/admin/feedback${query(filters)}`,
      v.paged,
      v.page.nextCursor ? `/admin/feedback${query({ ...filters, cursor: v.page.nextCursor })}` : null,
    )}`;
  return consolePage(req, 'Bounces & complaints', body, { section: 'feedback' });
}

/** One inbound message: its envelope, outcome and links, and its source as escaped text (capped). */
export function inboundDetailPage(req: Request, m: InboundMessageDetail): ConsolePage {
  const body = html`<p class="small"><a href="/admin/feedback">← Bounces &amp; complaints</a></p>
    <h1>Inbound message #${m.id}</h1>
    ${ui.fieldList([
      ['Received', formatTime(m.receivedAt)],
      ['Remote address', m.remoteAddress],
      ['HELO', m.helo],
      ['Envelope sender (MAIL FROM)', m.mailFrom === '' ? '<> (null sender: a bounce)' : m.mailFrom],
      ['Envelope recipients (RCPT TO)', m.rcptTo.join(', ')],
      ['Size', `${m.size} bytes`],
      ['Status', ui.statusBadge('inbound', m.status)],
      ['Classification', m.classification ? ui.statusBadge('feedback', m.classification) : null],
      ['Detail', m.detail],
      ['Processed', m.processedAt ? formatTime(m.processedAt) : null],
      ['Tied to', links(m)],
    ])}
    <h2>Source</h2>
    <p>
      <a class="button secondary" href="/admin/feedback/inbound/${m.id}/source.eml" download
        >Download the message (.eml)</a
      >
    </p>
    ${
      m.rawTruncated
        ? html`<p class="small muted" id="raw-truncated">
            Showing the first ${RAW_DISPLAY_BYTES / 1024} KB of ${m.size} bytes; download the message for all
            of it.
          </p>`
        : ''
    }
    <pre class="raw" id="raw-source" tabindex="0" aria-label="Message source">${m.rawText}</pre>`;
  return consolePage(req, `Inbound message #${m.id}`, body, { section: 'feedback' });
}

export interface EventsView {
  page: KeysetPage<FeedbackEventRow>;
  kind: string;
  source: string;
  campaign: string;
  paged: boolean;
}

/** The bounces, complaints and unsubscribes acted on (mail_feedback), from every source, newest first. */
export function eventsPage(req: Request, v: EventsView): ConsolePage {
  const operator = mayReadRaw(req);
  const filters = { kind: v.kind, source: v.source, campaign: v.campaign };
  const rows = v.page.items.map(
    (e) =>
      html`<tr>
        <td class="small">${formatTime(e.occurredAt)}</td>
        <td>${e.source}</td>
        <td>${ui.statusBadge('feedback', e.kind)}</td>
        <td class="small">${links(e)}</td>
        <td class="small">${e.statusCode ?? '—'}</td>
        <td class="small response">${e.detail ?? '—'}</td>
        <td class="small">
          ${
            e.inboundMessageId === null
              ? '—'
              : operator
                ? html`<a href="/admin/feedback/inbound/${e.inboundMessageId}">#${e.inboundMessageId}</a>`
                : `#${e.inboundMessageId}`
          }
        </td>
      </tr>`,
  );
  const columns = ['Occurred', 'Source', 'Kind', 'Tied to', 'Status code', 'Detail', 'Inbound message'];
  const body = html`<h1>Bounces &amp; complaints</h1>
    ${tabs('events')}
    <p class="muted">
      Each bounce, complaint and unsubscribe the service acted on, whatever told it: a bounce (DSN), a
      feedback-loop report (ARF), a mail to the unsubscribe address, a provider's webhook, or the mail
      server's refusal at send time (smtp). Processing the same report twice adds nothing.
    </p>
    <form
      method="get"
      action="/admin/feedback/events"
      class="card filters"
      role="search"
      aria-label="Filter events"
    >
      ${selectFilter('filter-kind', 'kind', 'Kind', FEEDBACK_KINDS, v.kind)}
      ${selectFilter('filter-source', 'source', 'Source', FEEDBACK_SOURCES, v.source)}
      <div>
        <label for="filter-campaign">Campaign number</label>
        <input id="filter-campaign" name="campaign" value="${v.campaign}" inputmode="numeric" maxlength="9" />
      </div>
      <div><button type="submit">Filter</button> <a href="/admin/feedback/events">Clear</a></div>
    </form>
    ${ui.dataTable({
      id: 'events',
      caption: 'Feedback events, newest first',
      columns,
      rows: rows.length
        ? rows
        : html`<tr>
            <td colspan="${columns.length}" class="muted" id="events-empty">No feedback events match.</td>
          </tr>`,
    })}
    ${pager(
      `/admin/feedback/events${query(filters)}`,
      v.paged,
      v.page.nextCursor ? `/admin/feedback/events${query({ ...filters, cursor: v.page.nextCursor })}` : null,
    )}`;
  return consolePage(req, 'Feedback events', body, { section: 'feedback' });
}
