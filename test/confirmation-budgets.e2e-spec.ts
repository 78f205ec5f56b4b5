import { AppConfig, envSchema } from '@app/config';
import { ConfirmationBudget, ConfirmationDelayedError, TokenPurpose } from '@app/core';
import { QueueName, redisOptions } from '@app/queue';
import { deleteRedisPrefix, freePort, testRedisPrefix } from '@app/testing';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import { type Harness, REDIS_URL } from './helpers/harness';
import { DESKTOP, launchChromium, PHONE, screenshot, watchPage } from './browser/browser';
import { consoleWorld } from './helpers/scenarios';
import { subscriberRow, tokenFor } from './subscriptions.helpers';

/**
 * Confirmation mail budgets (issue 17): above CONFIRMATIONS_PER_DOMAIN_PER_HOUR to one domain or
 * CONFIRMATIONS_PER_HOUR in total, a sign-up is stored and its confirmation mail waits for a later hour,
 * then goes, once. Real API, worker (in process), Redis and SMTP sink. The clock is never waited for: "an
 * hour later" moves the budget's hours in Redis back by one and lets the delayed jobs run now, as the
 * confirmation cap's test moves the database clock.
 */

const HOUR = 3_600_000;

/** The mail queue of a harness, and "an hour later" for the budgets. */
class BudgetClock {
  private queue?: Queue;
  private redis?: Redis;

  constructor(private readonly h: Harness) {}

  private get q(): Queue {
    this.queue ??= new Queue(QueueName.Mail, { connection: redisOptions(REDIS_URL), prefix: this.h.prefix });
    return this.queue;
  }

  private get r(): Redis {
    this.redis ??= new Redis(REDIS_URL);
    return this.redis;
  }

  /** Resolves once no mail job waits to run or runs: each has sent, been skipped, or waits in `delayed`. */
  async settled(): Promise<void> {
    await this.h.waitUntil(
      async () => {
        const c = await this.q.getJobCounts('waiting', 'active', 'prioritized');
        return Object.values(c).every((n) => n === 0);
      },
      { what: 'the mail queue to settle' },
    );
  }

  async delayedJobs(): Promise<number> {
    return (await this.q.getJobCounts('delayed')).delayed ?? 0;
  }

  async failedJobs(): Promise<number> {
    return (await this.q.getJobCounts('failed')).failed ?? 0;
  }

  /**
   * An hour passes: every hour the budgets counted or booked moves one back (this hour's counts become the
   * last hour's, the next hour's bookings this hour's), and the delayed jobs, whose time would now have
   * come, run.
   */
  async anHourLater(): Promise<void> {
    const base = `${this.h.prefix}:{confirmation-budget}`;
    const windows = (await this.r.keys(`${base}:count:*`))
      .map((k) => Number(k.slice(k.lastIndexOf(':') + 1)))
      .sort((a, b) => a - b);
    for (const w of windows) await this.r.rename(`${base}:count:${w}`, `${base}:count:${w - 1}`);
    const booked = await this.r.zrange(`${base}:deferred`, '0', '-1', 'WITHSCORES');
    for (let i = 0; i < booked.length; i += 2)
      await this.r.zadd(`${base}:deferred`, String(Number(booked[i + 1]) - HOUR), booked[i]!);
    await this.q.promoteJobs();
    await this.settled();
  }

  async close(): Promise<void> {
    await this.queue?.close();
    this.redis?.disconnect();
  }
}

/** One address's confirmation mails so far. */
const mailsTo = (h: Harness, email: string) => h.smtp.to(email).length;

describe('confirmation mail budgets: per recipient domain', () => {
  const world = consoleWorld({
    roles: ['ops'],
    inProcessWorker: true,
    env: { THROTTLE_LIMIT: '100000', CONFIRMATIONS_PER_DOMAIN_PER_HOUR: '2', CONFIRMATIONS_PER_HOUR: '1000' },
  });
  const { h, sessions } = world;
  const clock = new BudgetClock(h);
  afterAll(() => clock.close());

  const crowded = [1, 2, 3, 4, 5].map((i) => `reader${i}@crowded.example`);
  const quiet = 'reader@quiet.example';

  const signUp = async (email: string) => {
    expect((await request(h.baseUrl).post('/api/subscriptions').send({ email })).status).toBe(202);
    await clock.settled(); // one at a time, so the order in which they are booked is the sign-up order
  };
  const dashboard = async () => (await world.get(sessions.ops, '/admin')).text;
  const delayedGauge = async () =>
    /^newsletter_confirmations_delayed (\d+)$/m.exec((await request(h.baseUrl).get('/metrics')).text)?.[1];

  it('sends 2 per domain at once and stores the rest, shown to the operator as waiting', async () => {
    for (const email of [...crowded, quiet]) await signUp(email);

    expect(crowded.map((e) => mailsTo(h, e))).toEqual([1, 1, 0, 0, 0]);
    expect(mailsTo(h, quiet)).toBe(1); // another domain has a budget of its own
    expect(await clock.delayedJobs()).toBe(3);
    // Stored, not dropped: every sign-up is a pending subscriber.
    for (const email of [...crowded, quiet]) expect((await subscriberRow(h, email))!.status).toBe('pending');

    const page = await dashboard();
    expect(page).toContain('Confirmation mails waiting');
    expect(page).toMatch(/id="confirmation-backlog-count">3</);
    expect(page).toMatch(/<th scope="row">crowded\.example<\/th>\s*<td class="num">3<\/td>/);
    expect(page).not.toContain('quiet.example');
    expect(page).toContain('2 per domain, 1000 in total per hour');
    expect(await delayedGauge()).toBe('3');

    // The card as the operator sees it, at a phone's and a desktop's width (test-artifacts/*-dashboard-backlog.png).
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ baseURL: h.baseUrl });
      const [name, ...value] = sessions.ops.cookie.split('=');
      await context.addCookies([{ name: name!, value: value.join('='), url: h.baseUrl }]);
      const tab = await context.newPage();
      const { errors } = watchPage(tab);
      await tab.goto('/admin');
      for (const [label, size] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        await tab.setViewportSize(size);
        await tab.locator('#confirmation-backlog-domains').waitFor();
        const wide = await tab.evaluate(
          () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
        );
        expect(wide).toBe(false);
        await screenshot(tab, `${label}-dashboard-backlog`);
      }
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('an hour later sends the next 2, except to a reader unsubscribed meanwhile; none twice', async () => {
    // reader3's confirmation was booked for the next hour; the admin unsubscribes them before it goes.
    const { id } = (await subscriberRow(h, crowded[2]!))!;
    const patched = await request(h.baseUrl)
      .patch(`/api/admin/subscribers/${id}`)
      .auth(h.adminToken, { type: 'bearer' })
      .send({ status: 'unsubscribed' });
    expect(patched.status).toBe(200);

    await clock.anHourLater();
    expect(crowded.map((e) => mailsTo(h, e))).toEqual([1, 1, 0, 1, 0]);
    // reader5 was booked for the hour after: still waiting (reader3's freed place came too late for it).
    expect(await clock.delayedJobs()).toBe(1);
    expect(await delayedGauge()).toBe('1');
    expect(await dashboard()).toMatch(/id="confirmation-backlog-count">1</);
  });

  it('the hour after sends the last one; nothing waits, nobody got two, no job failed', async () => {
    await clock.anHourLater();
    expect(crowded.map((e) => mailsTo(h, e))).toEqual([1, 1, 0, 1, 1]);
    expect(mailsTo(h, quiet)).toBe(1);
    expect(await clock.delayedJobs()).toBe(0);
    expect(await clock.failedJobs()).toBe(0);
    expect(await delayedGauge()).toBe('0');
    expect(await dashboard()).toContain('None: every confirmation went out at once.');

    // The next hour's budget is whole again: a new sign-up at the crowded domain goes at once.
    await clock.anHourLater();
    await signUp('reader6@crowded.example');
    expect(mailsTo(h, 'reader6@crowded.example')).toBe(1);
  });
});

describe('confirmation mail budgets: in total', () => {
  // CONFIRMATIONS_PER_DOMAIN_PER_HOUR=0: no budget per domain, only the total.
  const world = consoleWorld({
    roles: ['ops'],
    inProcessWorker: true,
    env: { THROTTLE_LIMIT: '100000', CONFIRMATIONS_PER_DOMAIN_PER_HOUR: '0', CONFIRMATIONS_PER_HOUR: '3' },
  });
  const { h } = world;
  const clock = new BudgetClock(h);
  afterAll(() => clock.close());

  const readers = [1, 2, 3, 4, 5, 6].map((i) => `reader@site${i}.example`);

  it('sends 3 an hour whatever the domains, later ones once each; a reader who confirmed meanwhile gets none', async () => {
    for (const email of readers) {
      expect((await request(h.baseUrl).post('/api/subscriptions').send({ email })).status).toBe(202);
      await clock.settled();
    }
    expect(readers.map((e) => mailsTo(h, e))).toEqual([1, 1, 1, 0, 0, 0]);
    expect(await clock.delayedJobs()).toBe(3);

    // The last one confirms with a link of their own (say, from a sign-up the day before) while waiting.
    const token = await tokenFor(h, readers[5]!, TokenPurpose.Confirm);
    expect((await request(h.baseUrl).post('/confirm').type('form').send({ token })).status).toBe(200);

    await clock.anHourLater();
    expect(readers.map((e) => mailsTo(h, e))).toEqual([1, 1, 1, 1, 1, 0]);
    expect(await clock.delayedJobs()).toBe(0);
    expect(await clock.failedJobs()).toBe(0);

    await clock.anHourLater();
    expect(readers.map((e) => mailsTo(h, e))).toEqual([1, 1, 1, 1, 1, 0]);
  });
});

describe('confirmation mail budgets: the bookings on their own (real Redis)', () => {
  const prefix = testRedisPrefix();
  const budget = new ConfirmationBudget(
    new AppConfig(
      envSchema.parse({
        REDIS_URL,
        REDIS_PREFIX: prefix,
        CONFIRMATIONS_PER_DOMAIN_PER_HOUR: '1',
        CONFIRMATIONS_PER_HOUR: '0',
      }),
    ),
  );
  afterAll(async () => {
    budget.onApplicationShutdown();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  const delayOf = async (subscriberId: number, email: string) => {
    const err = await budget.take(subscriberId, email).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err === undefined) return 'sent';
    expect(err).toBeInstanceOf(ConfirmationDelayedError);
    return (err as ConfirmationDelayedError).delayMs;
  };

  it('a job that asks twice keeps its one booking; one that will not send gives its place back', async () => {
    expect(await delayOf(1, 'a@one.example')).toBe('sent');
    expect(await delayOf(2, 'b@ONE.example')).toBeGreaterThan(0); // the domain counts whatever its case
    const second = await budget.backlog();
    expect(second).toMatchObject({ waiting: 1, domains: [{ domain: 'one.example', waiting: 1 }] });
    // The same job again (a retry, a duplicate): still one booking, at the same hour.
    const again = await delayOf(2, 'b@one.example');
    expect(again).toBeGreaterThan(0);
    expect((await budget.backlog()).waiting).toBe(1);
    // A third reader books the hour after (1 per hour).
    expect(await delayOf(3, 'c@one.example')).toBeGreaterThan((again as number) + HOUR / 2);
    expect((await budget.backlog()).domains).toEqual([{ domain: 'one.example', waiting: 2 }]);
    // Reader 2 confirmed meanwhile: its place in the next hour goes back, and reader 4 gets it.
    await budget.forget(2);
    expect((await budget.backlog()).waiting).toBe(1);
    const fourth = await delayOf(4, 'd@one.example');
    expect(fourth).toBeLessThan((again as number) + 1000);
    // Another domain is not held back by this one.
    expect(await delayOf(5, 'e@two.example')).toBe('sent');
    expect(await budget.backlog()).toMatchObject({ waiting: 2 });
  });
});

describe('confirmation mail budgets: Redis unavailable', () => {
  it('fails open: the confirmation is sent uncounted (and logged); the backlog read says it failed', async () => {
    const port = await freePort(); // nothing listens there
    const config = new AppConfig(
      envSchema.parse({ REDIS_URL: `redis://127.0.0.1:${port}`, CONFIRMATIONS_PER_DOMAIN_PER_HOUR: '1' }),
    );
    const budget = new ConfirmationBudget(config);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await expect(budget.take(1, 'a@example.org')).resolves.toBeUndefined();
      await expect(budget.take(2, 'b@example.org')).resolves.toBeUndefined(); // over 1 per domain, still sent
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^confirmation budgets unavailable \(Redis\)/));
      await expect(budget.backlog()).rejects.toThrow();
    } finally {
      warn.mockRestore();
      budget.onApplicationShutdown();
    }
  });
});
