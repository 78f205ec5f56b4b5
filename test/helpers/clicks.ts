import { ClickTracker, type CampaignReport } from '@app/core';
import type { ReceivedMail } from '@app/testing';
import { crankCallApril2025WithLinks } from '../fixtures/crank-call-2025-04-links';
import type { CampaignWorld } from './scenarios';

/** Click tracking in the e2e tests (issue 15): send an issue with links, find its tracked links, read the report. */

/** A desktop browser's user agent: no link scanner. */
export const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15';
export const TRACKED = /https:\/\/news\.example\.test(\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22})/g;

/** Sends the linked April issue under `slug` to `n` new readers `<tag>-<i>`; their messages once sent. */
export async function sendIssue(
  w: CampaignWorld,
  tag: string,
  n: number,
  slug: string,
): Promise<{ id: number; mails: ReceivedMail[] }> {
  await w.seedAudience(tag, n);
  const [e] = await w.h.query<{ id: number }>(
    `INSERT INTO edition (publication_id, slug, subject, content, status)
     VALUES ((SELECT id FROM publication WHERE slug = 'crank-call'), $1, $2, $3::jsonb, 'draft') RETURNING id`,
    [slug, crankCallApril2025WithLinks.subject, JSON.stringify({ ...crankCallApril2025WithLinks, slug })],
  );
  const c = await w.startCampaign(e!.id);
  await w.waitForCampaign(c.id, (x) => x.status === 'completed', 'completed');
  const mails = [...w.receivedBy(tag).values()].map((m) => m[0]!);
  expect(mails).toHaveLength(n);
  return { id: c.id, mails };
}

/** Every tracked link path of a message's text part, in order (each distinct address once). */
export const trackedPaths = (m: ReceivedMail): string[] => [
  ...new Set([...(m.parsed.text ?? '').matchAll(TRACKED)].map((x) => x[1]!)),
];

export async function report(w: CampaignWorld, id: number): Promise<CampaignReport> {
  await w.h.app.get(ClickTracker).flush();
  const res = await w.api.get(`/api/admin/campaigns/${id}/report`);
  expect(res.status).toBe(200);
  return res.body as CampaignReport;
}
