import type { ImportReport, SubscriberClick } from '@app/core';
import { type Subscriber, type SubscriberEvent, SubscriberStatus } from '@app/database';
import type { Request } from 'express';
import { csrfToken } from '../../auth/csrf';
import { html, raw, type SafeHtml } from '../../pages/html';
import { canRole, type ConsolePage, consolePage, formatTime } from '../console.layout';
import * as ui from '../console.widgets';
import { MAX_IMPORT_BYTES } from './csv-upload';

export const STATUSES = Object.values(SubscriberStatus);

/** Fixed texts for `?notice=`: the query string never puts free text on a page. */
export const SUBSCRIBER_NOTICES: Record<string, string> = {
  erased:
    'The subscriber was erased: personal data removed, the address kept only as a keyed hash so it is never re-added.',
  'status-changed': 'Status changed.',
  'name-changed': 'Name saved.',
};

// ---- list ----

export interface ListView {
  items: Subscriber[];
  nextCursor: string | null;
  q: string;
  status: string;
  /** Whether this is a later page (cursor given): offers a way back to the first. */
  paged: boolean;
}

function listHref(q: string, status: string, cursor?: string): string {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (status) p.set('status', status);
  if (cursor) p.set('cursor', cursor);
  const s = p.toString();
  return `/admin/subscribers${s ? `?${s}` : ''}`;
}

export function exportHref(q: string, status: string): string {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (status) p.set('status', status);
  const s = p.toString();
  return `/admin/subscribers/export.csv${s ? `?${s}` : ''}`;
}

function filtersForm(q: string, status: string): SafeHtml {
  return html`<form method="get" action="/admin/subscribers" class="card filters" role="search">
    <div class="wide">
      <label for="q">Search email or name</label>
      <input id="q" name="q" type="search" maxlength="254" value="${q}" />
    </div>
    <div class="narrow">
      <label for="status">Status</label>
      <select id="status" name="status">
        <option value="" ${status === '' ? raw('selected') : ''}>any status</option>
        ${STATUSES.map(
          (s) => html`<option value="${s}" ${(s as string) === status ? raw('selected') : ''}>${s}</option>`,
        )}
      </select>
    </div>
    <div><button type="submit">Search</button></div>
  </form>`;
}

export function listPage(req: Request, v: ListView, opts: { notice?: string } = {}): ConsolePage {
  const writer = canRole(req, 'admin', 'editor');
  const rows = v.items.map(
    (s) =>
      html`<tr>
        <td><a href="/admin/subscribers/${s.id}">${s.email ?? '(erased)'}</a></td>
        <td>${s.name ?? ''}</td>
        <td>${ui.statusBadge('subscriber', s.status)}</td>
        <td>${formatTime(s.createdAt)}</td>
        <td>${formatTime(s.confirmedAt)}</td>
      </tr>`,
  );
  const body = html`<h1>Subscribers</h1>
    <p>
      ${writer ? html`<a class="button" href="/admin/subscribers/import">Import CSV</a>` : ''}
      <a class="button secondary" href="${exportHref(v.q, v.status)}" download
        >Export CSV${v.q || v.status ? ' (these filters)' : ''}</a
      >
    </p>
    ${filtersForm(v.q, v.status)}
    ${ui.dataTable({
      caption: 'Subscribers, newest first',
      columns: ['Email', 'Name', 'Status', 'Created', 'Confirmed'],
      rows: rows.length
        ? rows
        : html`<tr>
            <td colspan="5" class="muted">No subscribers match.</td>
          </tr>`,
    })}
    <nav aria-label="Pages" class="small">
      ${v.paged ? html`<a class="button secondary" href="${listHref(v.q, v.status)}">First page</a>` : ''}
      ${
        v.nextCursor
          ? html`<a class="button secondary" rel="next" href="${listHref(v.q, v.status, v.nextCursor)}"
              >Next page</a
            >`
          : ''
      }
    </nav>`;
  return consolePage(req, 'Subscribers', body, { section: 'subscribers', ...opts });
}

// ---- one subscriber ----

export interface DetailFormState {
  error?: string;
  /** Which form the error belongs to. */
  form?: 'status' | 'name' | 'erase';
  /** What the user typed into the name field (kept on an error). */
  name?: string;
}

function fields(s: Subscriber): SafeHtml {
  return ui.fieldList([
    ['Email', s.email],
    ['Name', s.name],
    ['Status', ui.statusBadge('subscriber', s.status)],
    ['Created', formatTime(s.createdAt)],
    ['Updated', formatTime(s.updatedAt)],
    ['Confirmation sent', formatTime(s.confirmationSentAt)],
    ['Confirmed', formatTime(s.confirmedAt)],
    ['Unsubscribed', formatTime(s.unsubscribedAt)],
    ['Soft bounces', s.softBounceCount],
  ]);
}

function consent(s: Subscriber): SafeHtml {
  return ui.fieldList([
    ['Consent given', formatTime(s.consentAt)],
    ['Source', s.consentSource],
    ['IP address', s.consentIp],
    ['User agent', s.consentUserAgent],
  ]);
}

function history(events: SubscriberEvent[], capped: number): SafeHtml {
  const rows = events.map(
    (e) =>
      html`<tr>
        <td>${formatTime(e.createdAt)}</td>
        <td>${e.type}</td>
        <td>${e.fromStatus || e.toStatus ? `${e.fromStatus ?? '—'} → ${e.toStatus ?? '—'}` : ''}</td>
        <td>${e.source ?? ''}</td>
        <td>${e.ip ?? ''}</td>
        <td class="small">${e.userAgent ?? ''}</td>
        <td class="small">${e.detail ?? ''}</td>
      </tr>`,
  );
  return html`${ui.dataTable({
    id: 'history',
    caption: 'History, newest first',
    columns: ['When', 'Event', 'Status', 'Source', 'IP', 'User agent', 'Detail'],
    rows: rows.length
      ? rows
      : html`<tr>
          <td colspan="7" class="muted">No events recorded.</td>
        </tr>`,
  })}
  ${events.length >= capped ? html`<p class="small muted">The latest ${capped} events are shown.</p>` : ''}`;
}

/** The reader's clicks and opens (TRACKING=individual): shown only when there are any. */
function clickHistory(clicks: SubscriberClick[], capped: number): SafeHtml {
  if (clicks.length === 0) return html``;
  const rows = clicks.map(
    (k) =>
      html`<tr>
        <td>${formatTime(new Date(k.at))}</td>
        <td>${k.edition}</td>
        <td class="small">${k.link ?? 'opened (image loaded)'}</td>
        <td>${k.machine ? 'machine' : 'human'}</td>
      </tr>`,
  );
  return html`<h2>Clicks</h2>
    ${ui.dataTable({
      id: 'clicks',
      caption: 'Clicks and opens, newest first (recorded per reader because TRACKING=individual)',
      columns: ['When', 'Issue', 'Link', 'Counted as'],
      rows,
    })}
    ${clicks.length >= capped ? html`<p class="small muted">The latest ${capped} are shown.</p>` : ''}`;
}

function writerForms(req: Request, s: Subscriber, st: DetailFormState): SafeHtml {
  const base = `/admin/subscribers/${s.id}`;
  const status = ui.selectField({
    id: 'new-status',
    name: 'status',
    label: 'New status',
    options: STATUSES,
    selected: s.status,
    hint: html`Setting <strong>confirmed</strong> records you as asserting the person's consent; setting
      <strong>pending</strong> sends nothing.`,
  });
  const name = ui.textField({
    id: 'name',
    name: 'name',
    label: 'Name',
    value: st.form === 'name' && st.name !== undefined ? st.name : (s.name ?? ''),
    hint: 'One line, at most 200 characters; leave empty to remove the name.',
    attrs: html`maxlength="200"`,
  });
  const erase = html`<p class="small">
      Removes the address, name and consent details for good (a right-to-erasure request). The address is kept
      only as a keyed hash, so an import can never add it back. This cannot be undone.
    </p>
    ${ui.checkbox({
      id: 'confirm-erase',
      name: 'confirm',
      value: 'yes',
      label: "I understand this subscriber's data is deleted for good",
      required: true,
    })}`;
  const forms: ui.FormCard[] = [
    {
      key: 'status',
      action: `${base}/status`,
      title: 'Change status',
      button: 'Change status',
      fields: status,
    },
    { key: 'name', action: `${base}/name`, title: 'Edit name', button: 'Save name', fields: name },
    {
      key: 'erase',
      action: `${base}/erase`,
      title: 'Erase',
      button: 'Erase subscriber',
      fields: erase,
      danger: true,
    },
  ];
  return html`<div class="grid">
    ${forms.map((f) => ui.formCard(req, { ...f, error: st.form === f.key ? st.error : undefined }))}
  </div>`;
}

export function detailPage(
  req: Request,
  data: { subscriber: Subscriber; events: SubscriberEvent[]; clicks: SubscriberClick[] },
  st: DetailFormState & { notice?: string; historyCap: number },
): ConsolePage {
  const s = data.subscriber;
  const body = html`<p class="small"><a href="/admin/subscribers">← All subscribers</a></p>
    <h1>${s.email ?? `Subscriber ${s.id}`}</h1>
    <div class="grid">
      <section class="card" aria-labelledby="fields-h">
        <h2 id="fields-h" class="flush">Subscriber</h2>
        ${fields(s)}
      </section>
      <section class="card" aria-labelledby="consent-h">
        <h2 id="consent-h" class="flush">Consent evidence</h2>
        ${consent(s)}
      </section>
    </div>
    ${canRole(req, 'admin', 'editor') ? writerForms(req, s, st) : ''}
    <h2>History</h2>
    ${history(data.events, st.historyCap)} ${clickHistory(data.clicks, st.historyCap)}`;
  return consolePage(req, s.email ?? `Subscriber ${s.id}`, body, {
    section: 'subscribers',
    notice: st.notice,
  });
}

// ---- CSV import ----

export interface ImportFormState {
  error?: string;
  /** mode=suppress chosen. */
  suppress?: boolean;
  consent?: boolean;
  sendOptIn?: boolean;
}

export function importFormPage(req: Request, st: ImportFormState = {}): ConsolePage {
  const action = `/admin/subscribers/import?_csrf=${encodeURIComponent(csrfToken(req))}`;
  const body = html`<p class="small"><a href="/admin/subscribers">← All subscribers</a></p>
    <h1>Import subscribers from CSV</h1>
    <div class="card">
      <h2 class="flush">The file</h2>
      <ul class="small">
        <li>
          UTF-8, comma-separated, with a header line naming the columns: <code>email</code> (required) and
          <code>name</code> (optional). Other columns are ignored.
        </li>
        <li>Rows that fail validation are listed by line number with the reason; the others are imported.</li>
        <li>
          Addresses that are already subscribers are left unchanged, so importing the same file twice changes
          nothing. Addresses erased at their owner's request are refused.
        </li>
        <li>At most ${MAX_IMPORT_BYTES / 1024 / 1024} MB per file.</li>
        <li>
          <strong>Block these addresses</strong> takes the same file of unsubscribes or bounces (from another
          provider, say): subscribers among them become unsubscribed, and the others go on the suppression
          list as keyed hashes (the addresses are not stored), so no later import adds them.
        </li>
      </ul>
    </div>
    <form method="post" action="${action}" enctype="multipart/form-data" class="card">
      <!-- the options come before the file: the server reads the fields sent ahead of it -->
      <fieldset>
        <legend>What to do with the addresses</legend>
        <div class="check">
          <input
            id="mode-subscribe"
            name="mode"
            type="radio"
            value="subscribe"
            ${st.suppress ? '' : raw('checked')}
          />
          <label for="mode-subscribe">Add them as subscribers</label>
        </div>
        <div class="check">
          <input
            id="mode-suppress"
            name="mode"
            type="radio"
            value="suppress"
            ${st.suppress ? raw('checked') : ''}
          />
          <label for="mode-suppress">Block them (unsubscribes and bounces brought from elsewhere)</label>
        </div>
      </fieldset>
      ${ui.checkbox({
        id: 'consent',
        name: 'consent',
        value: 'confirmed',
        label: html`These people already consented elsewhere: import them as <strong>confirmed</strong>`,
        checked: st.consent,
      })}
      <p class="hint">Unchecked: they are imported as <strong>pending</strong> and must opt in.</p>
      ${ui.checkbox({
        id: 'sendOptIn',
        name: 'sendOptIn',
        value: 'true',
        label: 'Send each new pending subscriber the double opt-in email',
        checked: st.sendOptIn,
      })}
      <p class="hint">Only for pending imports (not together with "confirmed"), and not when blocking.</p>
      <label for="csv">CSV file</label>
      <input id="csv" name="csv" type="file" accept=".csv,text/csv" required aria-describedby="csv-error" />
      ${ui.fieldError('csv-error', st.error)}
      <button type="submit">Import</button>
    </form>`;
  return consolePage(req, 'Import subscribers', body, { section: 'subscribers' });
}

export function importReportPage(
  req: Request,
  report: ImportReport,
  filename: string,
  error?: string,
): ConsolePage {
  const count = (label: string, n: number, id: string) =>
    html`<tr>
      <th scope="row">${label}</th>
      <td class="num" id="${id}">${n}</td>
    </tr>`;
  const rejected = report.rejected.map(
    (r) =>
      html`<tr>
        <td class="num">${r.line}</td>
        <td>${r.reason}</td>
      </tr>`,
  );
  const suppress = report.mode === 'suppress';
  const counts = suppress
    ? [
        count('Rows read', report.rows, 'count-rows'),
        count('Subscribers unsubscribed', report.unsubscribed, 'count-unsubscribed'),
        count('Added to the suppression list', report.addedToSuppression, 'count-added'),
        count('Already on the suppression list', report.suppressed, 'count-suppressed'),
        count('Already blocked or repeated (unchanged)', report.existing, 'count-existing'),
        count('Refused: invalid', report.invalid, 'count-invalid'),
      ]
    : [
        count('Rows read', report.rows, 'count-rows'),
        count('Imported', report.imported, 'count-imported'),
        count('Already subscribers (unchanged)', report.existing, 'count-existing'),
        count('Refused: on the suppression list', report.suppressed, 'count-suppressed'),
        count('Refused: invalid', report.invalid, 'count-invalid'),
        count('Opt-in emails queued', report.optInQueued, 'count-optin'),
      ];
  const body = html`<p class="small"><a href="/admin/subscribers">← All subscribers</a></p>
    <h1>${error ? 'Import stopped' : suppress ? 'Suppress import report' : 'Import report'}</h1>
    <p>File: <strong>${filename}</strong></p>
    <table id="import-counts" class="counts">
      <caption class="sr-only">
        Counts
      </caption>
      <tbody>
        ${counts}
      </tbody>
    </table>
    <h2>Rejected lines</h2>
    ${
      rejected.length
        ? html`${ui.dataTable({ id: 'rejected', caption: 'Rejected lines (line 1 is the header)', columns: [{ label: 'Line', num: true }, 'Reason'], rows: rejected })}
          ${
            report.rejectedTruncated
              ? html`<p class="small muted">
                  Only the first ${report.rejected.length} rejected lines are listed.
                </p>`
              : ''
          }`
        : html`<p class="muted">None.</p>`
    }
    <p>
      <a class="button" href="/admin/subscribers">Back to subscribers</a>
      <a class="button secondary" href="/admin/subscribers/import">Import another file</a>
    </p>`;
  return consolePage(req, error ? 'Import stopped' : 'Import report', body, {
    section: 'subscribers',
    error,
    notice: error
      ? undefined
      : suppress
        ? `Blocked ${report.unsubscribed + report.addedToSuppression} new addresses of ${report.rows} rows.`
        : `Imported ${report.imported} of ${report.rows} rows.`,
  });
}
