import type { CampaignReport, Rate, ReportsOverview } from '@app/core';
import { html, type SafeHtml } from '../../pages/html';
import { dataTable, fieldList } from '../console.widgets';
import { formatTime } from '../console.layout';
import { lineChart } from './line-chart';

/** Below this basis a rate says little: the page shows the counts first, the percentage after. */
const SMALL_BASIS = 100;

/** "0.75 % (3 of 400)"; with a small basis "3 of 40 (7.5 %)"; "no deliveries yet" for a basis of 0. */
export function rateText(r: Rate | null): string {
  if (!r) return 'not available (Redis did not answer)';
  if (r.of === 0 || r.rate === null) return `${r.count.toLocaleString('en')} (no deliveries yet)`;
  const pct = `${(r.rate * 100).toFixed(r.rate < 0.01 ? 2 : 1)} %`;
  const counts = `${r.count.toLocaleString('en')} of ${r.of.toLocaleString('en')}`;
  return r.of < SMALL_BASIS ? `${counts} (${pct}, small basis)` : `${pct} (${counts})`;
}

const n = (v: number | null): string => (v === null ? '—' : v.toLocaleString('en'));

const TRACKING_NOTE: Record<CampaignReport['tracking'], string> = {
  off: 'Tracking is off (TRACKING=off): links go straight to their sites and no clicks are recorded.',
  aggregate:
    'Tracking is aggregate: clicks are counted per link; unique clickers are estimated (HyperLogLog) without recording who clicked.',
  individual:
    'Tracking is individual: each reader’s clicks are recorded (their history and data export show them).',
};

function stat(label: string, value: string, id: string): SafeHtml {
  return html`<div>
    <dt>${label}</dt>
    <dd class="long"><span id="${id}">${value}</span></dd>
  </div>`;
}

/** The campaign report page: totals, links, machine clicks, the 72-hour chart with its table. */
export function campaignReportBody(r: CampaignReport): SafeHtml {
  const c = r.campaign;
  const hours = r.timeline;
  const chart = hours.length
    ? lineChart({
        id: 'report-chart',
        title: 'Human clicks and unsubscribes per hour, first 72 hours',
        xLabels: hours.map((h) => `${h.hour}h`),
        series: [
          { label: 'Human clicks', className: 'series-a', values: hours.map((h) => h.clicks) },
          { label: 'Unsubscribes', className: 'series-b', values: hours.map((h) => h.unsubscribes) },
        ],
        tableId: 'report-hours',
      })
    : html`<p class="muted">Nothing sent yet.</p>`;
  return html`<p>
      <a href="/admin/campaigns/${c.id}">← Campaign ${c.id}</a> · <a href="/admin/reports">All issues</a>
    </p>
    <h1>Report: ${c.subject}</h1>
    ${fieldList([
      ['Issue', c.slug],
      ['Campaign status', c.status],
      ['Started', c.startedAt ? formatTime(c.startedAt) : '—'],
      ['Finished', c.finishedAt ? formatTime(c.finishedAt) : '—'],
    ])}
    <p class="small muted" id="tracking-note">${TRACKING_NOTE[r.tracking]}</p>
    <dl class="stats" aria-label="Delivery">
      ${stat('Sent', n(r.sent), 'r-sent')} ${stat('Delivered', n(r.delivered), 'r-delivered')}
      ${stat('Bounced at send', n(r.bounced.atSend), 'r-bounced-at-send')}
      ${stat('Bounced later', n(r.bounced.later), 'r-bounced-later')}
      ${stat('Complaints', rateText(r.complaints), 'r-complaints')}
      ${stat('Unsubscribes', rateText(r.unsubscribes), 'r-unsubscribes')}
    </dl>
    <p class="small muted">Rates are over messages delivered (accepted and not bounced since).</p>
    <h2>Clicks</h2>
    <dl class="stats" aria-label="Clicks">
      ${stat('Human clicks', n(r.clicks.human), 'r-human-clicks')}
      ${stat('Unique clickers (estimate)', n(r.clicks.uniqueHumans), 'r-unique')}
      ${stat('Click rate', rateText(r.clicks.clickRate), 'r-click-rate')}
      ${stat('Machine clicks (not counted above)', n(r.clicks.machine), 'r-machine-clicks')}
    </dl>
    <p class="small muted">
      Machine clicks: HEAD requests, known link scanners (Microsoft Safe Links, Mimecast, Proofpoint,
      Barracuda…), clicks within seconds of sending, and several links of one message within two seconds.
    </p>
    ${
      r.opens
        ? html`<p id="r-opens">
            Opens: ${n(r.opens.human)} (machine: ${n(r.opens.machine)}). <strong>${r.opens.note}</strong>
          </p>`
        : ''
    }
    ${dataTable({
      id: 'report-links',
      caption: 'Clicks per link',
      columns: [
        '#',
        'Link',
        { label: 'Human clicks', num: true },
        { label: 'Unique', num: true },
        { label: 'Machine', num: true },
      ],
      rows: r.clicks.links.length
        ? r.clicks.links.map(
            (l) =>
              html`<tr>
                <td>${l.index + 1}</td>
                <td class="wrap"><a href="${l.url}" rel="noreferrer noopener">${l.url}</a></td>
                <td class="num">${n(l.human)}</td>
                <td class="num">${n(l.unique)}</td>
                <td class="num">${n(l.machine)}</td>
              </tr>`,
          )
        : html`<tr>
            <td colspan="5" class="muted">This issue has no links.</td>
          </tr>`,
    })}
    <h2>First 72 hours</h2>
    ${chart}
    <details>
      <summary>Figures per hour (table)</summary>
      ${dataTable({
        id: 'report-hours',
        caption: 'Clicks and unsubscribes per hour after the send',
        columns: [
          'Hour',
          'From (UTC)',
          { label: 'Human clicks', num: true },
          { label: 'Machine clicks', num: true },
          { label: 'Unsubscribes', num: true },
        ],
        rows: hours.map(
          (h) =>
            html`<tr>
              <td>${h.hour}</td>
              <td>${formatTime(h.at)}</td>
              <td class="num">${n(h.clicks)}</td>
              <td class="num">${n(h.machineClicks)}</td>
              <td class="num">${n(h.unsubscribes)}</td>
            </tr>`,
        ),
      })}
    </details>
    <p>
      <a href="/api/admin/campaigns/${c.id}/report.csv">Download as CSV</a> ·
      <a href="/api/admin/campaigns/${c.id}/report">JSON</a>
    </p>`;
}

/** The reports overview: one line per issue, list growth by month with its chart. */
export function reportsBody(o: ReportsOverview): SafeHtml {
  const months = o.growth;
  return html`<h1>Reports</h1>
    <p class="small muted" id="tracking-note">${TRACKING_NOTE[o.tracking]}</p>
    <h2>Issues</h2>
    ${dataTable({
      id: 'report-issues',
      caption: 'One line per issue',
      columns: [
        'Issue',
        { label: 'Delivered', num: true },
        { label: 'Bounced', num: true },
        'Complaints',
        'Unsubscribes',
        { label: 'Human clicks', num: true },
        { label: 'Machine', num: true },
        'Click rate',
      ],
      rows: o.issues.length
        ? o.issues.map(
            (i) =>
              html`<tr>
                <td><a href="/admin/campaigns/${i.campaignId}/report">${i.slug}</a></td>
                <td class="num">${n(i.delivered)}</td>
                <td class="num">${n(i.bounced)}</td>
                <td>${rateText(i.complaints)}</td>
                <td>${rateText(i.unsubscribes)}</td>
                <td class="num">${n(i.humanClicks)}</td>
                <td class="num">${n(i.machineClicks)}</td>
                <td>${rateText(i.clickRate)}</td>
              </tr>`,
          )
        : html`<tr>
            <td colspan="8" class="muted">No issue has been sent yet.</td>
          </tr>`,
    })}
    <h2>List growth by month</h2>
    ${
      months.length
        ? lineChart({
            id: 'growth-chart',
            title: 'List growth by month',
            xLabels: months.map((m) => m.month),
            series: [
              { label: 'New confirmed', className: 'series-d', values: months.map((m) => m.confirmed) },
              { label: 'Unsubscribed', className: 'series-b', values: months.map((m) => m.unsubscribed) },
              { label: 'Bounced', className: 'series-c', values: months.map((m) => m.bounced) },
              { label: 'Complained', className: 'series-a', values: months.map((m) => m.complained) },
            ],
            tableId: 'report-growth',
          })
        : ''
    }
    ${dataTable({
      id: 'report-growth',
      caption: 'List growth by month',
      columns: [
        'Month',
        { label: 'New confirmed', num: true },
        { label: 'Unsubscribed', num: true },
        { label: 'Bounced', num: true },
        { label: 'Complained', num: true },
        { label: 'Net', num: true },
      ],
      rows: months.length
        ? months.map(
            (m) =>
              html`<tr>
                <td>${m.month}</td>
                <td class="num">${n(m.confirmed)}</td>
                <td class="num">${n(m.unsubscribed)}</td>
                <td class="num">${n(m.bounced)}</td>
                <td class="num">${n(m.complained)}</td>
                <td class="num">${m.net > 0 ? '+' : ''}${n(m.net)}</td>
              </tr>`,
          )
        : html`<tr>
            <td colspan="6" class="muted">No subscribers yet.</td>
          </tr>`,
    })}
    <p><a href="/api/admin/reports.csv">Download as CSV</a> · <a href="/api/admin/reports">JSON</a></p>`;
}
