import { AppConfig } from '@app/config';
import { OPEN_LINK_INDEX } from '@app/database';
import { trackedLinkTargets } from '@app/email';
import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain.errors';
import { ClickTracker } from './click-tracker.service';
import { ReportRepository, type DeliveryTotals } from './report.repository';

/** A count over its basis; `rate` is null when the basis is 0. Pages show small bases with both counts. */
export interface Rate {
  count: number;
  of: number;
  rate: number | null;
}

export interface LinkReport {
  index: number;
  url: string;
  human: number;
  /** Estimated unique human clickers (Redis HyperLogLog), null when Redis could not answer. */
  unique: number | null;
  machine: number;
}

export interface CampaignReport {
  campaign: {
    id: number;
    slug: string;
    subject: string;
    status: string;
    startedAt: string | null;
    finishedAt: string | null;
  };
  tracking: 'off' | 'aggregate' | 'individual';
  sent: number;
  delivered: number;
  bounced: { atSend: number; later: number; total: number };
  failed: number;
  complaints: Rate;
  unsubscribes: Rate;
  clicks: {
    human: number;
    machine: number;
    uniqueHumans: number | null;
    /** Unique human clickers over delivered. */
    clickRate: Rate | null;
    links: LinkReport[];
  };
  /** Open-pixel counts (TRACKING=individual with OPEN_TRACKING=true), else null. */
  opens: { human: number; machine: number; note: string } | null;
  /** Hours 0-71 after the first message went out: human and machine link clicks, unsubscribes. */
  timeline: { hour: number; at: string; clicks: number; machineClicks: number; unsubscribes: number }[];
}

export interface IssueLine {
  campaignId: number;
  slug: string;
  subject: string;
  startedAt: string | null;
  sent: number;
  delivered: number;
  bounced: number;
  complaints: Rate;
  unsubscribes: Rate;
  humanClicks: number;
  machineClicks: number;
  uniqueClickers: number | null;
  clickRate: Rate | null;
}

export interface GrowthMonth {
  month: string;
  confirmed: number;
  unsubscribed: number;
  bounced: number;
  complained: number;
  net: number;
}

export interface ReportsOverview {
  tracking: 'off' | 'aggregate' | 'individual';
  issues: IssueLine[];
  growth: GrowthMonth[];
}

export const OPENS_NOTE =
  'Opens are inflated: Apple Mail Privacy Protection and image proxies (Gmail, Outlook) fetch the pixel for every message they receive, read or not.';

const TIMELINE_HOURS = 72;
const HOUR_MS = 3_600_000;

function rate(count: number, of: number): Rate {
  return { count, of, rate: of > 0 ? count / of : null };
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** Delivered: accepted by the receiving server and not bounced since. */
function delivered(t: DeliveryTotals | undefined): number {
  return t ? t.sent - t.bouncedLater : 0;
}

/** The campaign report and the reports overview (issue 15). */
@Injectable()
export class ReportService {
  constructor(
    private readonly repo: ReportRepository,
    private readonly tracker: ClickTracker,
    private readonly config: AppConfig,
  ) {}

  async campaignReport(campaignId: number): Promise<CampaignReport> {
    const head = await this.repo.campaign(campaignId);
    if (!head) throw new NotFoundError(`Campaign ${campaignId} does not exist`);
    const [totals] = await this.repo.deliveryTotals([campaignId]);
    const [unsub] = await this.repo.unsubscribes([campaignId]);
    const clicks = await this.repo.clicks([campaignId]);
    const urls = trackedLinkTargets(head.content);
    const uniques = await this.tracker.uniqueClickers(campaignId, urls.length);
    const del = delivered(totals);
    const links: LinkReport[] = urls.map((url, index) => {
      const c = clicks.find((k) => k.linkIndex === index);
      return {
        index,
        url,
        human: c?.human ?? 0,
        unique: uniques.byLink[index] ?? null,
        machine: c?.machine ?? 0,
      };
    });
    const opens = clicks.find((k) => k.linkIndex === OPEN_LINK_INDEX);
    const env = this.config.env;
    const opensOn = env.TRACKING === 'individual' && env.OPEN_TRACKING;
    return {
      campaign: {
        id: head.id,
        slug: head.slug,
        subject: head.subject,
        status: head.status,
        startedAt: iso(head.startedAt),
        finishedAt: iso(head.finishedAt),
      },
      tracking: env.TRACKING,
      sent: totals?.sent ?? 0,
      delivered: del,
      bounced: {
        atSend: totals?.bouncedAtSend ?? 0,
        later: totals?.bouncedLater ?? 0,
        total: (totals?.bouncedAtSend ?? 0) + (totals?.bouncedLater ?? 0),
      },
      failed: totals?.failed ?? 0,
      complaints: rate(totals?.complaints ?? 0, del),
      unsubscribes: rate(unsub?.n ?? 0, del),
      clicks: {
        human: links.reduce((n, l) => n + l.human, 0),
        machine: links.reduce((n, l) => n + l.machine, 0),
        uniqueHumans: uniques.total,
        clickRate: uniques.total === null ? null : rate(uniques.total, del),
        links,
      },
      opens:
        opensOn || opens
          ? { human: opens?.human ?? 0, machine: opens?.machine ?? 0, note: OPENS_NOTE }
          : null,
      timeline: await this.timeline(campaignId, totals?.firstSentAt ?? head.startedAt),
    };
  }

  private async timeline(campaignId: number, start: Date | null): Promise<CampaignReport['timeline']> {
    if (!start) return [];
    const t0 = Math.floor(new Date(start).getTime() / HOUR_MS) * HOUR_MS;
    const rows = Array.from({ length: TIMELINE_HOURS }, (_, hour) => ({
      hour,
      at: new Date(t0 + hour * HOUR_MS).toISOString(),
      clicks: 0,
      machineClicks: 0,
      unsubscribes: 0,
    }));
    const slot = (d: Date) => rows[Math.floor((new Date(d).getTime() - t0) / HOUR_MS)];
    for (const c of await this.repo.clicksByHour(campaignId)) {
      const r = slot(c.hour);
      if (r) {
        r.clicks += c.human;
        r.machineClicks += c.machine;
      }
    }
    for (const u of await this.repo.unsubscribesByHour(campaignId)) {
      const r = slot(u.hour);
      if (r) r.unsubscribes += u.n;
    }
    return rows;
  }

  async overview(): Promise<ReportsOverview> {
    const campaigns = await this.repo.startedCampaigns();
    const ids = campaigns.map((c) => c.id);
    const totals = await this.repo.deliveryTotals(ids);
    const unsubs = await this.repo.unsubscribes(ids);
    const clicks = await this.repo.clicks(ids);
    const issues: IssueLine[] = [];
    for (const c of campaigns) {
      const t = totals.find((x) => x.campaignId === c.id);
      const del = delivered(t);
      const own = clicks.filter((k) => k.campaignId === c.id && k.linkIndex !== OPEN_LINK_INDEX);
      const unique = (await this.tracker.uniqueClickers(c.id, 0)).total;
      issues.push({
        campaignId: c.id,
        slug: c.slug,
        subject: c.subject,
        startedAt: iso(c.startedAt),
        sent: t?.sent ?? 0,
        delivered: del,
        bounced: (t?.bouncedAtSend ?? 0) + (t?.bouncedLater ?? 0),
        complaints: rate(t?.complaints ?? 0, del),
        unsubscribes: rate(unsubs.find((u) => u.campaignId === c.id)?.n ?? 0, del),
        humanClicks: own.reduce((n, k) => n + k.human, 0),
        machineClicks: own.reduce((n, k) => n + k.machine, 0),
        uniqueClickers: unique,
        clickRate: unique === null ? null : rate(unique, del),
      });
    }
    const growth = (await this.repo.growthByMonth()).map((m) => ({
      ...m,
      net: m.confirmed - m.unsubscribed - m.bounced - m.complained,
    }));
    return { tracking: this.config.env.TRACKING, issues, growth };
  }
}
