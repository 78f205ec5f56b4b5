import type { AppConfig } from '@app/config';
import type { EditionContent } from '@app/content';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TokenPurpose, TokenService } from '../tokens/token.service';
import { ClickTracker } from './click-tracker.service';
import type { ClickCountRow, ClickRepository, DeliveryClickRow } from './click.repository';
import { isLinkScanner, LINK_SCANNER_AGENTS } from './link-scanners';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15';

const content = {
  publicationName: 'CRANK Call',
  slug: '2025-04',
  subject: 'S',
  description: 'D',
  highlightsTitle: 'H',
  highlights: [
    {
      headline: 'A',
      paragraphs: [
        [
          'See ',
          { text: 'one', href: 'https://one.example/a' },
          ' and ',
          { text: 'two', href: 'https://two.example/b' },
        ],
      ],
    },
  ],
  links: [{ text: 'Item.', sources: [{ name: 'One again', url: 'https://one.example/a' }] }],
  analysis: [{ title: 'T', attribution: 'X', url: 'https://three.example/c' }],
  perspectives: [],
  mastheadTitle: 'M',
  masthead: [],
} as unknown as EditionContent;

class FakeRepo {
  counts: ClickCountRow[] = [];
  rows: DeliveryClickRow[] = [];
  machine: DeliveryClickRow[] = [];
  erased = new Set<number>();
  down = false;
  campaignContent = (id: number) => Promise.resolve(id === 7 || id === 70 ? content : undefined);
  erasedDeliveries = (ids: number[]) =>
    this.down
      ? Promise.reject(new Error('connection refused'))
      : Promise.resolve(new Set(ids.filter((i) => this.erased.has(i))));
  addCounts = (r: ClickCountRow[]) => {
    this.counts.push(...r);
    return Promise.resolve();
  };
  addDeliveryClicks = (r: DeliveryClickRow[]) => {
    this.rows.push(...r);
    return Promise.resolve();
  };
  markMachine = (r: DeliveryClickRow[]) => {
    this.machine.push(...r);
    return Promise.resolve();
  };
  total(link: number) {
    return this.counts
      .filter((c) => c.linkIndex === link)
      .reduce((a, c) => ({ human: a.human + c.human, machine: a.machine + c.machine }), {
        human: 0,
        machine: 0,
      });
  }
}

describe('ClickTracker (issue 15: tokens, machine clicks, the buffer)', () => {
  const secretKey = randomBytes(32).toString('hex');
  const prefix = `test-clicks-${randomBytes(4).toString('hex')}`;
  const tokens = new TokenService({ secretKey } as AppConfig);
  const redis = new Redis(REDIS_URL);
  const trackers: ClickTracker[] = [];
  const world = (mode: 'aggregate' | 'individual' | 'off' = 'aggregate') => {
    const repo = new FakeRepo();
    const config = {
      secretKey,
      env: {
        TRACKING: mode,
        REDIS_URL,
        REDIS_PREFIX: prefix,
        CLICK_MACHINE_AFTER_SEND_S: 5,
        OPEN_TRACKING: false,
      },
    } as unknown as AppConfig;
    const tracker = new ClickTracker(config, tokens, repo as unknown as ClickRepository);
    trackers.push(tracker);
    return { repo, tracker };
  };
  const now = Date.UTC(2026, 0, 10, 12, 0, 0);
  const sentAt = Math.floor(now / 1000) - 3600; // an hour ago
  const link = (linkIndex: number, deliveryId = 1, campaignId = 7, sent = sentAt) =>
    tokens.signLink({ campaignId, linkIndex, deliveryId, sentAt: sent });
  const get = (token: unknown, userAgent: string | undefined = BROWSER, method = 'GET') => ({
    token,
    purpose: TokenPurpose.Link as const,
    method,
    userAgent,
  });

  afterAll(async () => {
    for (const t of trackers) await t.onApplicationShutdown();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers the link a token names; refuses forged, altered, truncated, padded and unknown tokens', async () => {
    const { tracker } = world();
    const good = link(1);
    expect(good.length).toBeLessThan(50);
    expect(await tracker.click(get(good), now)).toEqual({
      ok: true,
      url: 'https://two.example/b',
      kind: 'human',
    });
    // one index per distinct address: the source linking "one" again shares index 0
    expect(await tracker.click(get(link(0, 2)), now)).toMatchObject({ url: 'https://one.example/a' });
    const other = new TokenService({ secretKey: randomBytes(32).toString('hex') } as AppConfig);
    const [body, mac] = good.split('.') as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const bad of [
      other.signLink({ campaignId: 7, linkIndex: 1, deliveryId: 1, sentAt }), // another key
      `${flip(body, 3)}.${mac}`, // altered body
      `${body}.${flip(mac, 5)}`, // altered MAC
      `${body.slice(0, -1)}${body.at(-1) === 'A' ? 'B' : 'A'}.${mac}`, // last character's unused bits
      good.slice(0, -1), // truncated
      `${good}=`, // padded
      `${good}A`,
      `${body}..${mac}`,
      ` ${good}`,
      link(9), // no link 9 in this issue
      link(0, 1, 8), // a campaign that does not exist
      tokens.sign(TokenPurpose.Unsubscribe, '0123456789abcdef0123456789abcdef'), // another purpose
      '',
      undefined,
      'x'.repeat(500),
    ]) {
      expect(await tracker.click(get(bad), now)).toEqual({ ok: false });
    }
  });

  it('counts HEAD requests, scanner user agents and clicks just after sending as machine clicks', async () => {
    const { tracker, repo } = world();
    expect((await tracker.click(get(link(0, 10), BROWSER, 'HEAD'), now)).ok && 'x').toBe('x');
    expect(
      await tracker.click(get(link(0, 11), 'Mozilla/5.0 (compatible; Mimecast URL Protect)'), now),
    ).toMatchObject({ kind: 'machine' });
    expect(await tracker.click(get(link(0, 12), ''), now)).toMatchObject({ kind: 'machine' });
    const fresh = link(0, 13, 7, Math.floor(now / 1000) - 2);
    expect(await tracker.click(get(fresh), now)).toMatchObject({ kind: 'machine' });
    expect(await tracker.click(get(link(0, 14)), now)).toMatchObject({ kind: 'human' });
    await tracker.flush();
    expect(repo.total(0)).toEqual({ human: 1, machine: 4 });
    for (const name of ['BingPreview/1.0b', 'Proofpoint URL Defense', 'Barracuda Sentinel'])
      expect(isLinkScanner(name)).toBe(true);
    expect(isLinkScanner(BROWSER)).toBe(false);
    expect(LINK_SCANNER_AGENTS.length).toBeGreaterThan(4);
  });

  it('several links of one message within two seconds: all of them machine, the first one moved after its flush', async () => {
    const { tracker, repo } = world('individual');
    expect(await tracker.click(get(link(0, 20)), now)).toMatchObject({ kind: 'human' });
    await tracker.flush();
    expect(repo.total(0)).toEqual({ human: 1, machine: 0 });
    expect(repo.rows).toEqual([{ deliveryId: 20, linkIndex: 0, machine: false, clickedAt: new Date(now) }]);
    expect(await tracker.click(get(link(1, 20)), now + 800)).toMatchObject({ kind: 'machine' });
    expect(await tracker.click(get(link(2, 20)), now + 1500)).toMatchObject({ kind: 'machine' });
    // the same link twice is a reader clicking again, and a later link (after 2 s) is a reader too
    expect(await tracker.click(get(link(0, 21)), now)).toMatchObject({ kind: 'human' });
    expect(await tracker.click(get(link(0, 21)), now + 500)).toMatchObject({ kind: 'human' });
    expect(await tracker.click(get(link(1, 21)), now + 2500)).toMatchObject({ kind: 'human' });
    await tracker.flush();
    expect(repo.total(0)).toEqual({ human: 2, machine: 1 });
    expect(repo.total(1)).toEqual({ human: 1, machine: 1 });
    expect(repo.total(2)).toEqual({ human: 0, machine: 1 });
    expect(repo.machine).toEqual([{ deliveryId: 20, linkIndex: 0, machine: true, clickedAt: new Date(now) }]);
  });

  it('keeps the buffer while PostgreSQL is away, records nothing about erased readers, nothing with TRACKING=off', async () => {
    const { tracker, repo } = world('individual');
    repo.down = true;
    await tracker.click(get(link(0, 30)), now);
    await tracker.click(get(link(0, 31)), now);
    await tracker.flush();
    expect(repo.counts).toEqual([]);
    repo.down = false;
    repo.erased.add(31);
    await tracker.flush();
    expect(repo.total(0)).toEqual({ human: 1, machine: 0 });
    expect(repo.rows.map((r) => r.deliveryId)).toEqual([30]);

    const off = world('off');
    expect(await off.tracker.click(get(link(0, 32)), now)).toEqual({
      ok: true,
      url: 'https://one.example/a',
      kind: null,
    });
    await off.tracker.flush();
    expect(off.repo.counts).toEqual([]);
  });

  it('estimates unique human clickers per campaign and link without keeping who clicked', async () => {
    const { tracker } = world();
    const c = 70;
    for (const d of [40, 41, 42]) await tracker.click(get(link(0, d, c)), now + d * 10_000);
    await tracker.click(get(link(0, 40, c)), now + 900_000); // the same reader again
    await tracker.click(get(link(1, 43, c)), now);
    await tracker.flush();
    const u = await tracker.uniqueClickers(c, 3);
    expect(u).toEqual({ total: 4, byLink: [3, 1, 0] });
    expect(await redis.type(`${prefix}:clicks:u:${c}`)).toBe('string'); // a HyperLogLog, not a set of ids
  });
});
