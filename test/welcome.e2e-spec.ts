import type { AppConfig } from '@app/config';
import { VerpAddresses } from '@app/core';
import { JobName, QueueName, redisOptions } from '@app/queue';
import { freePort, type ReceivedMail } from '@app/testing';
import { Queue } from 'bullmq';
import request from 'supertest';
import { createEdition, header } from './campaign.fixtures';
import { crankCallApril2025 } from './fixtures/crank-call-2025-04.expected';
import { REDIS_URL } from './helpers/harness';
import { type ReaderWorld, readerWorld } from './helpers/scenarios';
import { confirmLinks, localPath } from './subscriptions.helpers';

/**
 * The welcome message: sent once when a reader confirms, with the latest sent issue under the editor's line
 * (or a short welcome before the first issue), from the mail queue with a campaign message's headers and a
 * VERP envelope sender, counted in the worker's metrics; nothing with WELCOME_ISSUE=false.
 */

const SENDER_ADDRESS = '1 Main St, Springfield, IL 62701, USA';

/** Subscribes `email` through the API, then confirms it with the link of its confirmation email. */
async function subscribeAndConfirm(world: ReaderWorld, email: string): Promise<void> {
  const res = await world.api().post('/api/subscriptions').send({ email });
  expect(res.status).toBe(202);
  await world.h.waitUntil(() => world.h.smtp.to(email).length > 0, { what: `the confirmation to ${email}` });
  const link = confirmLinks(world.h.smtp.to(email)[0]!).html!;
  const confirmed = await world
    .api()
    .post('/confirm')
    .type('form')
    .send({ token: new URL(link).searchParams.get('token') });
  expect(confirmed.status).toBe(200);
}

function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

describe('welcome message', () => {
  const world = readerWorld({ workers: 0, env: { WELCOME_ISSUE: 'true', SENDER_ADDRESS } });
  const { h, api, mail } = world;
  let metricsUrl = '';
  const welcomes = (email: string) =>
    h.smtp.to(email).filter((m) => /^Welcome to /.test(m.parsed.subject ?? ''));
  const idOf = async (email: string) =>
    (await h.query<{ id: number }>('SELECT id FROM subscriber WHERE email = $1', [email]))[0]!.id;

  beforeAll(async () => {
    const port = await freePort();
    await h.spawnWorker({ WORKER_METRICS_PORT: String(port), HOST: '127.0.0.1' });
    metricsUrl = `http://127.0.0.1:${port}`;
  });

  it('before any issue was sent: a short welcome, with the default line', async () => {
    await subscribeAndConfirm(world, 'early@example.test');
    await h.waitUntil(() => welcomes('early@example.test').length > 0, { what: 'the welcome' });
    const m = welcomes('early@example.test')[0]!;
    expect(m.parsed.subject).toBe('Welcome to CRANK Call');
    expect(m.parsed.text).toContain('Welcome to CRANK Call: your subscription is confirmed.');
    expect(m.parsed.text).not.toContain(crankCallApril2025.highlights[0]!.headline);
    expect(m.parsed.text).toContain(`\nCRANK Call\n${SENDER_ADDRESS}\n`);
    const [row] = await h.query<{ welcome_sent_at: Date | null }>(
      'SELECT welcome_sent_at FROM subscriber WHERE email = $1',
      ['early@example.test'],
    );
    expect(row!.welcome_sent_at).toBeInstanceOf(Date);
  });

  describe('after an issue was sent', () => {
    const reader = 'late@example.test';
    let m: ReceivedMail;

    beforeAll(async () => {
      const older = await createEdition(h, '2025-03');
      const latest = await createEdition(h, '2025-04');
      await h.query(
        `UPDATE edition SET status = 'sent', sent_at = now() - interval '40 days' WHERE id = $1`,
        [older],
      );
      await h.query(`UPDATE edition SET status = 'sent', sent_at = now() - interval '2 days' WHERE id = $1`, [
        latest,
      ]);
      await h.query(`UPDATE publication SET welcome_line = 'Glad you are here <3. This is where we are.'`);
      await subscribeAndConfirm(world, reader);
      await h.waitUntil(() => welcomes(reader).length > 0, { what: 'the welcome with the issue' });
      m = welcomes(reader)[0]!;
    });

    it('carries the latest sent issue in full under the editor’s welcome line', () => {
      expect(m.parsed.subject).toBe(`Welcome to CRANK Call: ${crankCallApril2025.subject}`);
      const text = m.parsed.text ?? '';
      expect(text.startsWith('Glad you are here <3. This is where we are.\n')).toBe(true);
      for (const h3 of crankCallApril2025.highlights) expect(text).toContain(h3.headline);
      for (const a of crankCallApril2025.analysis) expect(text).toContain(a.title);
      expect(String(m.parsed.html)).toContain('Glad you are here &lt;3. This is where we are.');
      expect(text).toContain('View in browser: https://news.example.test/archive/2025-04');
    });

    it('has a campaign message’s headers: List-Unsubscribe (https one-click + mailto), List-Id; VERP envelope', async () => {
      const lu = header(m, 'List-Unsubscribe') ?? '';
      const https = /<(https:[^>]+)>/.exec(lu)?.[1];
      expect(https).toMatch(/^https:\/\/news\.example\.test\/unsubscribe\?token=/);
      expect(lu).toMatch(
        /<mailto:unsubscribe\+u[0-9a-z]+-0-[a-z2-7]{16}@example\.test\?subject=unsubscribe>/,
      );
      expect(header(m, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(header(m, 'List-Id')).toBe('CRANK Call <crank-call.news.example.test>');
      expect(m.parsed.from?.value[0]).toMatchObject({ name: 'CRANK Call', address: 'crank@example.test' });
      // The envelope sender is a signed VERP address naming the subscriber.
      const verp = new VerpAddresses({ secretKey: h.secretKey, bounceDomain: 'example.test' } as AppConfig);
      expect(verp.parseRecipient(m.envelopeFrom)).toEqual({
        kind: 'bounce',
        subject: { kind: 'confirmation', subscriberId: await idOf(reader) },
      });
      // Its links are the reader's own: the preferences page opens.
      const prefs = /Manage preferences: (https:\/\/\S+)/.exec(m.parsed.text ?? '')?.[1];
      expect((await api().get(localPath(prefs!))).status).toBe(200);
    });

    it('is sent once: the job run again, or a second confirmation after unsubscribing, sends nothing more', async () => {
      const queue = new Queue(QueueName.Mail, { connection: redisOptions(REDIS_URL), prefix: h.prefix });
      try {
        const subscriberId = await idOf(reader);
        await queue.add(JobName.SendWelcome, { subscriberId }, { jobId: `welcome-again-${subscriberId}` });
        await queue.add(JobName.SendWelcome, { subscriberId }, { jobId: `welcome-third-${subscriberId}` });
      } finally {
        await queue.close();
      }
      await mail.idle(h);
      expect(welcomes(reader)).toHaveLength(1);

      // Unsubscribed, and long enough ago that a new sign-up gets a new confirmation at once.
      await h.query(
        `UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now(), confirmation_sent_at = NULL,
                confirmation_count = 0, confirmation_window_at = NULL WHERE email = $1`,
        [reader],
      );
      const before = h.smtp.to(reader).length;
      const res = await api().post('/api/subscriptions').send({ email: reader });
      expect(res.status).toBe(202);
      await h.waitUntil(() => h.smtp.to(reader).length > before, { what: 'the second confirmation' });
      const link = confirmLinks(h.smtp.to(reader).at(-1)!).html!;
      const confirmed = await api()
        .post('/confirm')
        .type('form')
        .send({ token: new URL(link).searchParams.get('token') });
      expect(confirmed.status).toBe(200);
      await mail.idle(h);
      expect(welcomes(reader)).toHaveLength(1);
      expect(await mail.failed()).toBe(0);
    });

    it('is counted in the worker’s metrics', async () => {
      const m2 = await h.waitUntil(
        async () => {
          const r = await request(metricsUrl).get('/metrics');
          const parsed = parseExposition(r.text);
          return (parsed.get('newsletter_welcome_messages_total{outcome="sent"}') ?? 0) >= 1
            ? parsed
            : undefined;
        },
        { what: 'the welcome counter' },
      );
      // One per welcome this worker sent: both readers above when the whole file runs.
      expect(m2.get('newsletter_welcome_messages_total{outcome="sent"}')).toBe(
        h.smtp.messages.filter((x) => /^Welcome to /.test(x.parsed.subject ?? '')).length,
      );
      expect(m2.get('newsletter_welcome_messages_total{outcome="skipped"}')).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('welcome message with WELCOME_ISSUE=false', () => {
  const world = readerWorld({ workers: 1, env: { WELCOME_ISSUE: 'false' } });
  const { h, mail } = world;

  it('sends none: the reader gets the confirmation only', async () => {
    await subscribeAndConfirm(world, 'quiet@example.test');
    await mail.idle(h);
    expect(h.smtp.to('quiet@example.test').map((m) => m.parsed.subject)).toEqual([
      'Confirm your subscription to CRANK Call',
    ]);
    const [row] = await h.query<{ welcome_sent_at: Date | null; status: string }>(
      'SELECT welcome_sent_at, status FROM subscriber WHERE email = $1',
      ['quiet@example.test'],
    );
    expect(row).toEqual({ welcome_sent_at: null, status: 'confirmed' });
  });
});
