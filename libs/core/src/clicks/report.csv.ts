import { csvField } from '../subscriptions/subscriber-admin.service';
import type { CampaignReport, Rate, ReportsOverview } from './report.service';

const line = (cells: (string | number | null)[]): string =>
  cells.map((c) => (c === null ? '' : csvField(String(c)))).join(',') + '\r\n';
const ratio = (r: Rate | null): string => (r?.rate == null ? '' : r.rate.toFixed(4));

/**
 * A campaign report as CSV (RFC 4180, CRLF): one `section,item,count,basis,rate` table, so a spreadsheet
 * opens it as it is: the totals, then one line per link, then the 72 hours.
 */
export function campaignReportCsv(r: CampaignReport): string {
  let out = line(['section', 'item', 'count', 'basis', 'rate', 'machine']);
  out += line(['campaign', `${r.campaign.slug} ${r.campaign.subject}`, r.campaign.id, null, null, null]);
  out += line(['totals', 'sent', r.sent, null, null, null]);
  out += line(['totals', 'delivered', r.delivered, r.sent, null, null]);
  out += line(['totals', 'bounced at send', r.bounced.atSend, null, null, null]);
  out += line(['totals', 'bounced later', r.bounced.later, null, null, null]);
  out += line(['totals', 'complaints', r.complaints.count, r.complaints.of, ratio(r.complaints), null]);
  out += line([
    'totals',
    'unsubscribes',
    r.unsubscribes.count,
    r.unsubscribes.of,
    ratio(r.unsubscribes),
    null,
  ]);
  out += line(['totals', 'human clicks', r.clicks.human, null, null, r.clicks.machine]);
  out += line([
    'totals',
    'unique clickers (estimate)',
    r.clicks.uniqueHumans,
    r.clicks.clickRate?.of ?? null,
    ratio(r.clicks.clickRate),
    null,
  ]);
  if (r.opens) out += line(['totals', 'opens (inflated)', r.opens.human, null, null, r.opens.machine]);
  for (const l of r.clicks.links) out += line(['link', l.url, l.human, l.unique, null, l.machine]);
  for (const t of r.timeline)
    out +=
      line(['hour', t.at, t.clicks, null, null, t.machineClicks]) +
      line(['hour-unsubscribes', t.at, t.unsubscribes, null, null, null]);
  return out;
}

/** The reports overview as CSV: one line per issue, then one per month of list growth. */
export function reportsOverviewCsv(o: ReportsOverview): string {
  let out = line([
    'issue',
    'subject',
    'started',
    'sent',
    'delivered',
    'bounced',
    'complaints',
    'complaint rate',
    'unsubscribes',
    'unsubscribe rate',
    'human clicks',
    'machine clicks',
    'unique clickers',
    'click rate',
  ]);
  for (const i of o.issues)
    out += line([
      i.slug,
      i.subject,
      i.startedAt,
      i.sent,
      i.delivered,
      i.bounced,
      i.complaints.count,
      ratio(i.complaints),
      i.unsubscribes.count,
      ratio(i.unsubscribes),
      i.humanClicks,
      i.machineClicks,
      i.uniqueClickers,
      ratio(i.clickRate),
    ]);
  out += '\r\n' + line(['month', 'new confirmed', 'unsubscribed', 'bounced', 'complained', 'net']);
  for (const m of o.growth)
    out += line([m.month, m.confirmed, m.unsubscribed, m.bounced, m.complained, m.net]);
  return out;
}
