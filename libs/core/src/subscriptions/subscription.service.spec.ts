import { SubscriberStatus } from '@app/database';
import { JobName, JobQueue, QueueName } from '@app/queue';
import { ServiceWorld } from '@app/testing/service-world';
import { NotFoundError } from '../common/domain.errors';
import { TokenPurpose, TokenService } from '../tokens/token.service';
import { SuppressionList } from './suppression-list.service';
import { SubscriberNotFoundError, SubscriptionInputError } from './subscription.errors';
import {
  CONFIRMATION_CAP,
  CONFIRMATION_CAP_HOURS,
  CONFIRMATION_RESEND_MINUTES,
  COMPLAINED_RESUBSCRIBE_MESSAGE,
  mayResubscribeOneClick,
  SubscriptionService,
} from './subscription.service';
import { SubscriptionsModule } from './subscriptions.module';

interface Row {
  id: number;
  uid: string;
  email: string | null;
  name: string | null;
  status: SubscriberStatus;
  consent_ip: string | null;
  consent_source: string | null;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  confirmation_count: number;
  erased_at: Date | null;
}

/**
 * SubscriptionService against a migrated database and a Redis prefix of its own, without HTTP or workers
 * (the immich "medium" style): each case states what a reader does and checks what PostgreSQL and the mail
 * queue hold afterwards.
 */
describe('SubscriptionService', () => {
  let w: ServiceWorld;
  let subscriptions: SubscriptionService;
  let tokens: TokenService;
  let n = 0;

  const form = { ip: '203.0.113.7', userAgent: 'jest', source: 'form:hosted' };
  const fresh = (tag: string) => `${tag}-${++n}@example.org`;

  beforeAll(async () => {
    w = await ServiceWorld.start({ imports: [SubscriptionsModule] });
    subscriptions = w.get(SubscriptionService);
    tokens = w.get(TokenService);
  });
  afterAll(() => w?.stop());

  async function row(email: string): Promise<Row> {
    const [r] = await w.query<Row>('SELECT * FROM subscriber WHERE lower(email) = lower($1)', [email]);
    if (!r) throw new Error(`no subscriber ${email}`);
    return r;
  }
  const byId = async (id: number) => (await w.query<Row>('SELECT * FROM subscriber WHERE id = $1', [id]))[0]!;
  const events = (id: number) =>
    w.query<{ type: string; from_status: string | null; to_status: string | null; source: string | null }>(
      'SELECT type, from_status, to_status, source FROM subscriber_event WHERE subscriber_id = $1 ORDER BY id',
      [id],
    );
  /** Confirmation emails queued for the subscriber (nothing consumes the queue in this world). */
  async function queued(id: number): Promise<number> {
    const jobs = await w.get(JobQueue).queue(QueueName.Mail).getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs.filter((j) => (j.name as JobName) === JobName.SendConfirmation && j.data.subscriberId === id)
      .length;
  }
  /** Moves the last confirmation (and the cap window's start) back in time. */
  const age = (id: number, minutes: number, windowHours = 0) =>
    w.query(
      `UPDATE subscriber SET confirmation_sent_at = now() - make_interval(mins => $2),
         confirmation_window_at = confirmation_window_at - make_interval(hours => $3) WHERE id = $1`,
      [id, minutes, windowHours],
    );
  async function insert(email: string, status: SubscriberStatus): Promise<number> {
    const [r] = await w.query<{ id: number }>(
      `INSERT INTO subscriber (email, name, status, consent_at, consent_source, confirmed_at)
       VALUES ($1, 'Ada', $2, now() - interval '1 day', 'import', now()) RETURNING id`,
      [email, status],
    );
    return r!.id;
  }
  async function refusal(p: Promise<unknown>): Promise<unknown> {
    return p.then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  describe('subscribe', () => {
    it('a new address: pending, consent and a subscribed event recorded, one confirmation queued', async () => {
      const email = fresh('new');
      await subscriptions.subscribe({ email: `  ${email} `, name: ' Grace ' }, form);
      const s = await row(email);
      expect(s).toMatchObject({
        email,
        name: 'Grace',
        status: 'pending',
        consent_ip: '203.0.113.7',
        consent_source: 'form:hosted',
        confirmation_count: 1,
      });
      expect(await events(s.id)).toEqual([
        { type: 'subscribed', from_status: null, to_status: 'pending', source: 'form:hosted' },
      ]);
      expect(await queued(s.id)).toBe(1);
    });

    it('a pending address again: nothing new within the resend window, whatever the case of the address', async () => {
      const email = fresh('pending');
      await subscriptions.subscribe({ email }, form);
      const s = await row(email);
      await subscriptions.subscribe(
        { email: email.toUpperCase().replace('@EXAMPLE.ORG', '@example.org') },
        form,
      );
      expect(await w.query('SELECT id FROM subscriber WHERE lower(email) = $1', [email])).toHaveLength(1);
      expect(await queued(s.id)).toBe(1);
      expect(await events(s.id)).toHaveLength(1);
      expect((await row(email)).confirmation_count).toBe(1);
    });

    it('an unsubscribed address goes back to pending with fresh consent and a resubscribed event', async () => {
      const email = fresh('back');
      const id = await insert(email, SubscriberStatus.Unsubscribed);
      await subscriptions.subscribe({ email, name: 'Someone else' }, { ...form, source: 'form:embed' });
      expect(await byId(id)).toMatchObject({
        status: 'pending',
        name: 'Ada',
        consent_source: 'form:embed',
        confirmed_at: null,
        confirmation_count: 1,
      });
      expect(await events(id)).toEqual([
        { type: 'resubscribed', from_status: 'unsubscribed', to_status: 'pending', source: 'form:embed' },
      ]);
      expect(await queued(id)).toBe(1);
    });

    it('a confirmed address is left untouched: no email, no event, same consent', async () => {
      const email = fresh('confirmed');
      const id = await insert(email, SubscriberStatus.Confirmed);
      const before = await byId(id);
      await subscriptions.subscribe({ email, name: 'Mallory' }, form);
      expect(await byId(id)).toEqual(before);
      expect(await events(id)).toEqual([]);
      expect(await queued(id)).toBe(0);
    });

    it('refuses what a reader cannot have meant with SubscriptionInputError (400), saving nothing', async () => {
      for (const email of ['not-an-address', '"x,attacker@evil.com"@example.org', 42]) {
        const err = await refusal(subscriptions.subscribe({ email }, form));
        expect(err).toBeInstanceOf(SubscriptionInputError);
        expect(err).toMatchObject({ kind: 'invalid' });
      }
      expect(await w.query(`SELECT id FROM subscriber WHERE email LIKE '%attacker%'`)).toEqual([]);
    });
  });

  describe('the confirmation cap', () => {
    it(`sends at most ${CONFIRMATION_CAP} a window, one per ${CONFIRMATION_RESEND_MINUTES} minutes, then starts again after ${CONFIRMATION_CAP_HOURS} hours`, async () => {
      const email = fresh('cap');
      await subscriptions.subscribe({ email }, form);
      const { id } = await row(email);
      for (let sent = 2; sent <= CONFIRMATION_CAP; sent++) {
        await age(id, CONFIRMATION_RESEND_MINUTES + 1);
        await subscriptions.subscribe({ email }, form);
        expect((await byId(id)).confirmation_count).toBe(sent);
      }
      await age(id, CONFIRMATION_RESEND_MINUTES + 1);
      await subscriptions.subscribe({ email }, form);
      expect(await subscriptions.requestConfirmation(id)).toBe(false);
      expect((await byId(id)).confirmation_count).toBe(CONFIRMATION_CAP);
      expect(await queued(id)).toBe(CONFIRMATION_CAP);

      await age(id, CONFIRMATION_RESEND_MINUTES + 1, CONFIRMATION_CAP_HOURS);
      expect(await subscriptions.requestConfirmation(id)).toBe(true);
      expect((await byId(id)).confirmation_count).toBe(1);
      expect(await subscriptions.requestConfirmation(id)).toBe(false);
      expect(await queued(id)).toBe(CONFIRMATION_CAP + 1);
    });

    it('confirming clears the count', async () => {
      const email = fresh('cap-cleared');
      await subscriptions.subscribe({ email }, form);
      const { id } = await row(email);
      await subscriptions.confirm(id, { source: 'confirm-link' });
      expect(await byId(id)).toMatchObject({ confirmation_count: 0, status: 'confirmed' });
      expect(await subscriptions.requestConfirmation(id)).toBe(false);
    });
  });

  describe('links and confirmation', () => {
    it('a confirm link finds its pending subscriber; confirming twice says so', async () => {
      const email = fresh('confirm');
      await subscriptions.subscribe({ email }, form);
      const s = await row(email);
      const found = await subscriptions.lookup(
        tokens.sign(TokenPurpose.Confirm, s.uid),
        TokenPurpose.Confirm,
      );
      expect(found).toMatchObject({ ok: true, subscriber: { id: s.id, email, status: 'pending' } });
      expect(await subscriptions.confirm(s.id, { source: 'confirm-link' })).toBe('confirmed');
      expect(await subscriptions.confirm(s.id, { source: 'confirm-link' })).toBe('already-confirmed');
      expect((await byId(s.id)).confirmed_at).not.toBeNull();
      expect((await events(s.id)).map((e) => e.type)).toEqual(['subscribed', 'confirmed']);
    });

    it('a link of another purpose, a forged one, or one older than the current sign-up does not confirm', async () => {
      const email = fresh('links');
      await subscriptions.subscribe({ email }, form);
      const s = await row(email);
      const unsub = tokens.sign(TokenPurpose.Unsubscribe, s.uid);
      expect(await subscriptions.lookup(unsub, TokenPurpose.Confirm)).toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(await subscriptions.lookup(`${unsub}x`, TokenPurpose.Unsubscribe)).toEqual({
        ok: false,
        reason: 'invalid',
      });
      const beforeSignUp = tokens.sign(TokenPurpose.Confirm, s.uid, Math.floor(Date.now() / 1000) - 3600);
      expect(await subscriptions.lookup(beforeSignUp, TokenPurpose.Confirm)).toMatchObject({
        ok: false,
        reason: 'expired',
        subscriber: { id: s.id },
      });
    });

    it('an unsubscribed subscriber is not confirmed by an old link', async () => {
      const id = await insert(fresh('not-pending'), SubscriberStatus.Unsubscribed);
      expect(await subscriptions.confirm(id, { source: 'confirm-link' })).toBe('not-pending');
      expect((await byId(id)).status).toBe('unsubscribed');
    });
  });

  describe('unsubscribe and resubscribe', () => {
    it('unsubscribes once, records it, and says false the second time', async () => {
      const id = await insert(fresh('unsub'), SubscriberStatus.Confirmed);
      expect(await subscriptions.unsubscribe(id, { source: 'one-click' })).toBe(true);
      expect(await subscriptions.unsubscribe(id, { source: 'one-click' })).toBe(false);
      expect(await byId(id)).toMatchObject({ status: 'unsubscribed' });
      expect((await byId(id)).unsubscribed_at).not.toBeNull();
      expect(await events(id)).toEqual([
        { type: 'unsubscribed', from_status: 'confirmed', to_status: 'unsubscribed', source: 'one-click' },
      ]);
      expect(await refusal(subscriptions.unsubscribe(2_000_000_000, { source: 'one-click' }))).toBeInstanceOf(
        SubscriberNotFoundError,
      );
    });

    it('resubscribes from the preferences page: confirmed at once, with fresh consent', async () => {
      const id = await insert(fresh('resub'), SubscriberStatus.Unsubscribed);
      expect(await subscriptions.resubscribe(id, { ...form, source: 'preferences' })).toBe(true);
      expect(await subscriptions.resubscribe(id, { ...form, source: 'preferences' })).toBe(false);
      expect(await byId(id)).toMatchObject({
        status: 'confirmed',
        consent_source: 'preferences',
        consent_ip: '203.0.113.7',
      });
      expect(await events(id)).toEqual([
        { type: 'resubscribed', from_status: 'unsubscribed', to_status: 'confirmed', source: 'preferences' },
      ]);
    });

    it('a complainer gets no one-click resubscribe: only a fresh double opt-in through the subscribe form', async () => {
      const email = fresh('complainer');
      const id = await insert(email, SubscriberStatus.Complained);
      expect(mayResubscribeOneClick(SubscriberStatus.Complained)).toBe(false);
      expect(mayResubscribeOneClick(SubscriberStatus.Unsubscribed)).toBe(true);
      const err = await refusal(subscriptions.resubscribe(id, { ...form, source: 'preferences' }));
      expect(err).toBeInstanceOf(SubscriptionInputError);
      expect(err).toMatchObject({ message: COMPLAINED_RESUBSCRIBE_MESSAGE });
      // the unsubscribe link does not turn the complaint into a plain unsubscribe (which could be undone)
      expect(await subscriptions.unsubscribe(id, { source: 'one-click' })).toBe(false);
      expect(await byId(id)).toMatchObject({ status: 'complained' });
      expect(await events(id)).toEqual([]);

      await subscriptions.subscribe({ email }, form);
      expect(await byId(id)).toMatchObject({
        status: 'pending',
        consent_source: 'form:hosted',
        confirmation_count: 1,
      });
      expect(await events(id)).toEqual([
        { type: 'resubscribed', from_status: 'complained', to_status: 'pending', source: 'form:hosted' },
      ]);
      expect(await queued(id)).toBe(1);
    });
  });

  it('changes the name, records that it changed but not to what, and refuses a bad name', async () => {
    const id = await insert(fresh('name'), SubscriberStatus.Confirmed);
    await subscriptions.updateName(id, '  Grace Hopper ', { source: 'preferences' });
    await subscriptions.updateName(id, 'Grace Hopper', { source: 'preferences' });
    expect((await byId(id)).name).toBe('Grace Hopper');
    const history = await w.query('SELECT * FROM subscriber_event WHERE subscriber_id = $1', [id]);
    expect(history).toHaveLength(1);
    expect(JSON.stringify(history)).not.toContain('Grace');
    expect(
      await refusal(subscriptions.updateName(id, 'x'.repeat(201), { source: 'preferences' })),
    ).toBeInstanceOf(SubscriptionInputError);
    expect((await byId(id)).name).toBe('Grace Hopper');
  });

  describe('data export and erasure', () => {
    async function deliveredTo(id: number): Promise<void> {
      const [e] = await w.query<{ id: number }>(
        `INSERT INTO edition (publication_id, slug, subject, content, status)
         VALUES (1, '2024-0' || (1 + $1::int % 9), 'Issue for ' || $1::int, '{}', 'sent') RETURNING id`,
        [id],
      );
      const [c] = await w.query<{ id: number }>(
        `INSERT INTO campaign (edition_id, status) VALUES ($1, 'completed') RETURNING id`,
        [e!.id],
      );
      await w.query(
        `INSERT INTO delivery (campaign_id, subscriber_id, status, sent_at, last_response)
         VALUES ($1, $2, 'sent', now(), '250 OK <reader@example.org>')`,
        [c!.id, id],
      );
    }

    it('exports the subscriber, its history and its deliveries', async () => {
      const email = fresh('export');
      await subscriptions.subscribe({ email, name: 'Ada' }, form);
      const s = await row(email);
      await subscriptions.confirm(s.id, { source: 'confirm-link' });
      await deliveredTo(s.id);
      const data = await subscriptions.exportData(s.id);
      expect(data.subscriber).toMatchObject({
        email,
        name: 'Ada',
        status: 'confirmed',
        consent: { ip: '203.0.113.7', userAgent: 'jest', source: 'form:hosted' },
      });
      expect(data.subscriber.confirmedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(data.history.map((h) => [h.type, h.fromStatus, h.toStatus])).toEqual([
        ['subscribed', null, 'pending'],
        ['confirmed', 'pending', 'confirmed'],
      ]);
      expect(data.deliveries).toEqual([
        {
          edition: expect.stringMatching(/^2024-0\d$/),
          subject: `Issue for ${s.id}`,
          status: 'sent',
          sentAt: expect.any(String),
        },
      ]);
    });

    it('erases: no personal data left, links dead, the address suppressed, the history reduced to the erasure', async () => {
      const email = fresh('erase');
      await subscriptions.subscribe({ email, name: 'Ada' }, form);
      const s = await row(email);
      await deliveredTo(s.id);
      const link = tokens.sign(TokenPurpose.Preferences, s.uid);
      await subscriptions.erase(s.id, { source: 'preferences' });

      const after = await byId(s.id);
      expect(after).toMatchObject({ email: null, name: null, status: 'unsubscribed', consent_ip: null });
      expect(after.uid).not.toBe(s.uid);
      expect(after.erased_at).not.toBeNull();
      expect(await events(s.id)).toEqual([
        { type: 'erased', from_status: 'pending', to_status: 'unsubscribed', source: 'preferences' },
      ]);
      expect(await w.query('SELECT last_response FROM delivery WHERE subscriber_id = $1', [s.id])).toEqual([
        { last_response: null },
      ]);
      expect(
        await w.query('SELECT reason FROM suppression WHERE email_hash = $1', [
          w.get(SuppressionList).hash(email),
        ]),
      ).toEqual([{ reason: 'erased' }]);
      expect(await subscriptions.lookup(link, TokenPurpose.Preferences)).toEqual({
        ok: false,
        reason: 'gone',
      });
      expect(await refusal(subscriptions.exportData(s.id))).toBeInstanceOf(NotFoundError);
      expect(await refusal(subscriptions.erase(s.id, { source: 'preferences' }))).toBeInstanceOf(
        SubscriberNotFoundError,
      );
    });
  });
});
