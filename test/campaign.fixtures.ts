import type { AppConfig } from '@app/config';
import { TokenPurpose, TokenService } from '@app/core';
import type { ReceivedMail } from '@app/testing';
import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { crankCallApril2025 } from './fixtures/crank-call-2025-04.expected';
import type { Harness } from './helpers/harness';
import type { CampaignView } from '@app/core';

/** Shared by the campaign e2e files: editions, audiences, API calls and what the SMTP sink received. */

/** What GET /api/admin/campaigns/:id answers: the API's CampaignView as JSON (its status a plain string). */
export type CampaignBody = Omit<CampaignView, 'status'> & { status: string };

/** What the data builders below need: SQL on the test database (a Harness, or a ServiceWorld). */
type Queries = Pick<Harness, 'query'>;

/** A draft edition with the real April 2025 content, under its own month slug. */
export async function createEdition(h: Queries, slug: string): Promise<number> {
  const content = { ...crankCallApril2025, slug };
  const [row] = await h.query<{ id: number }>(
    `INSERT INTO edition (publication_id, slug, subject, content, status)
     VALUES ((SELECT id FROM publication WHERE slug = 'crank-call'), $1, $2, $3::jsonb, 'draft') RETURNING id`,
    [slug, crankCallApril2025.subject, JSON.stringify(content)],
  );
  return row!.id;
}

/**
 * Makes `n` confirmed subscribers `<tag>-<i>@example.test` the only confirmed ones (earlier tests' readers
 * are retired, so each campaign goes to its own audience). One generate_series INSERT.
 */
export async function seedAudience(h: Queries, tag: string, n: number): Promise<void> {
  await h.query(
    `UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now() WHERE status = 'confirmed'`,
  );
  await h.query(
    `INSERT INTO subscriber (email, status, consent_at, consent_source, confirmed_at)
     SELECT $1 || '-' || g || '@example.test', 'confirmed', now(), 'test', now() FROM generate_series(1, $2) g`,
    [tag, n],
  );
}

export function adminApi(h: Harness) {
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${h.adminToken}`);
  return {
    get: (path: string) => auth(request(h.baseUrl).get(path)),
    post: (path: string, body?: object) => auth(request(h.baseUrl).post(path)).send(body ?? {}),
  };
}

/**
 * POST /api/admin/campaigns (201 expected). `overrideFailedChecks`: send although the pre-send check fails
 * (e.g. a world whose PUBLIC_URL is plain http, which fails the List-Unsubscribe check).
 */
export async function startCampaign(
  h: Harness,
  editionId: number,
  scheduledAt?: string,
  opts: { overrideFailedChecks?: boolean } = {},
): Promise<CampaignBody> {
  const res = await adminApi(h).post('/api/admin/campaigns', {
    editionId,
    ...(scheduledAt ? { scheduledAt } : {}),
    ...(opts.overrideFailedChecks ? { overrideFailedChecks: true } : {}),
  });
  if (res.status !== 201)
    throw new Error(`POST /api/admin/campaigns answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as CampaignBody;
}

export async function getCampaign(h: Harness, id: number): Promise<CampaignBody> {
  const res = await adminApi(h).get(`/api/admin/campaigns/${id}`);
  if (res.status !== 200) throw new Error(`GET campaign ${id} answered ${res.status}`);
  return res.body as CampaignBody;
}

export function waitForCampaign(
  h: Harness,
  id: number,
  done: (c: CampaignBody) => boolean,
  what: string,
  timeoutMs = 90000,
): Promise<CampaignBody> {
  return h.waitUntil(
    async () => {
      const c = await getCampaign(h, id);
      return done(c) ? c : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `campaign ${id} ${what}` },
  );
}

/** Messages the sink received per recipient address of one audience. */
export function receivedBy(h: Harness, tag: string): Map<string, ReceivedMail[]> {
  const out = new Map<string, ReceivedMail[]>();
  const mine = new RegExp(`^${tag}-\\d+@`);
  for (const m of h.smtp.messages) {
    for (const to of m.envelopeTo) {
      if (!mine.test(to)) continue;
      out.set(to, [...(out.get(to) ?? []), m]);
    }
  }
  return out;
}

export function audience(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${tag}-${i + 1}@example.test`);
}

export function tokens(h: Harness): TokenService {
  return new TokenService({ secretKey: h.secretKey } as AppConfig);
}

export function header(m: ReceivedMail, name: string): string | undefined {
  const line = m.parsed.headerLines.find((l) => l.key === name.toLowerCase());
  return line
    ? line.line
        .slice(line.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim()
    : undefined;
}

/** The one-click unsubscribe URL (https) of a campaign message's List-Unsubscribe header. */
export function unsubscribeUrlOf(m: ReceivedMail): URL {
  const value = header(m, 'List-Unsubscribe') ?? '';
  const https = /<(https:[^>]+)>/.exec(value);
  if (!https) throw new Error(`no https List-Unsubscribe in "${value}"`);
  return new URL(https[1]!);
}

/** Subscriber uid behind an unsubscribe link, checked with the same key the service signs with. */
export function uidOfUnsubscribeUrl(h: Harness, url: URL): string | undefined {
  const check = tokens(h).verify(url.searchParams.get('token'), TokenPurpose.Unsubscribe);
  return check.ok ? check.subscriberUid : undefined;
}

/** Environment every campaign test worker gets: no metrics port (several workers share one machine). */
export const CAMPAIGN_TEST_ENV: Record<string, string> = {
  WORKER_METRICS_PORT: '0',
  BOUNCE_WEBHOOK_SECRET: 'test-bounce-secret-0123456789',
};

/** CAMPAIGN_TEST_DEBUG=1 shows the worker processes' logs (they are discarded otherwise). */
export function showWorkerLogs(h: Harness): void {
  if (!process.env.CAMPAIGN_TEST_DEBUG) return;
  for (const w of h.workers) {
    if ((w as ChildProcess & { logsShown?: boolean }).logsShown) continue;
    (w as ChildProcess & { logsShown?: boolean }).logsShown = true;
    w.stdout?.on('data', (d: Buffer) => process.stderr.write(`[worker ${w.pid}] ${d.toString()}`));
    w.stderr?.on('data', (d: Buffer) => process.stderr.write(`[worker ${w.pid} err] ${d.toString()}`));
  }
}
