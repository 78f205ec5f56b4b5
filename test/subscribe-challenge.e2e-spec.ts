import { createChallenge, solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { createHmac } from 'node:crypto';
import { readerWorld } from './helpers/scenarios';
import { subscriberRow } from './subscriptions.helpers';

/** Solves a challenge the way a script does (README), and encodes it as the widget does. */
async function solve(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('the challenge was not solved');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

/** The hosted form, the embeddable form and POST /api/subscriptions ask for a solved ALTCHA challenge. */
describe('subscribe challenge (SUBSCRIBE_CHALLENGE=pow)', () => {
  const { h, api } = readerWorld({
    workers: 0,
    // small figures: the test solves each challenge in a few milliseconds
    env: {
      SUBSCRIBE_CHALLENGE: 'pow',
      SUBSCRIBE_CHALLENGE_COST: '50',
      SUBSCRIBE_CHALLENGE_MAX_NUMBER: '200',
    },
  });
  const challenge = async (): Promise<Challenge> => {
    const res = await api().get('/api/subscriptions/challenge');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['set-cookie']).toBeUndefined();
    return res.body as Challenge;
  };

  it('API: a solved challenge subscribes; the same payload again is refused (replay)', async () => {
    const c = await challenge();
    expect(c.parameters).toEqual(
      expect.objectContaining({ algorithm: 'PBKDF2/SHA-256', cost: 50, expiresAt: expect.any(Number) }),
    );
    const altcha = await solve(c);
    const ok = await api().post('/api/subscriptions').send({ email: 'solved@example.org', altcha });
    expect(ok.status).toBe(202);
    expect(await subscriberRow(h, 'solved@example.org')).toBeDefined();

    const replay = await api().post('/api/subscriptions').send({ email: 'replayed@example.org', altcha });
    expect(replay.status).toBe(400);
    expect(replay.body.message).toMatch(/already used/);
    expect(await subscriberRow(h, 'replayed@example.org')).toBeUndefined();
  });

  it('API: missing, forged, wrong and expired solutions are refused with a message', async () => {
    const missing = await api().post('/api/subscriptions').send({ email: 'missing@example.org' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/anti-robot check/);

    const garbage = await api()
      .post('/api/subscriptions')
      .send({ email: 'g@example.org', altcha: 'bm90IGpzb24=' });
    expect(garbage.status).toBe(400);

    // a wrong derived key (the proof of the work: the counter alone proves nothing)
    const c = await challenge();
    const solved = JSON.parse(Buffer.from(await solve(c), 'base64').toString()) as {
      solution: { derivedKey: string };
    };
    const k = solved.solution.derivedKey;
    solved.solution.derivedKey = k.slice(0, -1) + (k.endsWith('0') ? '1' : '0');
    const wrong = await api()
      .post('/api/subscriptions')
      .send({ email: 'wrong@example.org', altcha: Buffer.from(JSON.stringify(solved)).toString('base64') });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toMatch(/did not verify/);

    // a challenge signed with another key (not this server's)
    const forged = await createChallenge({
      algorithm: 'PBKDF2/SHA-256',
      cost: 1,
      counter: 3,
      deriveKey,
      hmacSignatureSecret: 'x'.repeat(64),
      hmacKeySignatureSecret: 'y'.repeat(64),
    });
    const forgedRes = await api()
      .post('/api/subscriptions')
      .send({ email: 'forged@example.org', altcha: await solve(forged) });
    expect(forgedRes.status).toBe(400);

    // this server's keys (derived from SECRET_KEY), but expired
    const key = (label: string) => createHmac('sha256', h.secretKey).update(label).digest('hex');
    const expired = await createChallenge({
      algorithm: 'PBKDF2/SHA-256',
      cost: 1,
      counter: 3,
      deriveKey,
      expiresAt: new Date(Date.now() - 1000),
      hmacSignatureSecret: key('altcha-challenge-signature'),
      hmacKeySignatureSecret: key('altcha-challenge-key'),
    });
    const expiredRes = await api()
      .post('/api/subscriptions')
      .send({ email: 'expired@example.org', altcha: await solve(expired) });
    expect(expiredRes.status).toBe(400);
    expect(expiredRes.body.message).toMatch(/expired/);
    for (const email of ['missing', 'g', 'wrong', 'forged', 'expired'])
      expect(await subscriberRow(h, `${email}@example.org`)).toBeUndefined();
  });

  it('API clients with a bearer token skip the challenge; a wrong token is 401', async () => {
    const ok = await api()
      .post('/api/subscriptions')
      .auth(h.adminToken, { type: 'bearer' })
      .send({ email: 'script@example.org' });
    expect(ok.status).toBe(202);
    const bad = await api()
      .post('/api/subscriptions')
      .auth('not-a-token-not-a-token', { type: 'bearer' })
      .send({ email: 'script2@example.org' });
    expect(bad.status).toBe(401);
  });

  it('hosted and embedded form: the widget is on the page and served from this server; the form needs it', async () => {
    const page = await api().get('/');
    expect(page.text).toMatch(/<altcha-widget\s+challenge="\/api\/subscriptions\/challenge"\s+name="altcha"/);
    expect(page.text).toContain('<script type="module" src="/assets/altcha.js"></script>');
    const widget = await api().get('/assets/altcha.js');
    expect(widget.status).toBe(200);
    expect(widget.headers['content-type']).toMatch(/javascript/);
    expect(widget.headers['access-control-allow-origin']).toBe('*');
    expect(widget.text).toContain('altcha-widget');

    const without = await api().post('/subscribe').type('form').send({ email: 'form@example.org' });
    expect(without.status).toBe(400);
    expect(without.text).toContain('anti-robot check');
    expect(without.text).toContain('value="form@example.org"'); // the form again, filled in
    const altcha = await solve(await challenge());
    const embedded = await api()
      .post('/subscribe')
      .set('Origin', 'https://blog.example.net')
      .type('form')
      .send({ email: 'form@example.org', altcha });
    expect(embedded.status).toBe(200);
    expect(await subscriberRow(h, 'form@example.org')).toBeDefined();
  });
});

describe('subscribe challenge (SUBSCRIBE_CHALLENGE=off)', () => {
  const { api } = readerWorld({ workers: 0 });

  it('no widget, no challenge endpoint, sign-ups without one', async () => {
    expect((await api().get('/')).text).not.toContain('altcha-widget');
    expect((await api().get('/api/subscriptions/challenge')).status).toBe(404);
    expect((await api().post('/api/subscriptions').send({ email: 'free@example.org' })).status).toBe(202);
  });
});
