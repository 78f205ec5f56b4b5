import { AppConfig } from '@app/config';
import { VerpAddresses } from '@app/core';
import { randomBytes } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { buildDsn, InboundServerProcess, SmtpClient } from './helpers/inbound-mail';
import { campaignWorld } from './helpers/scenarios';

const DOMAIN = 'bounces.example.test';
const PER_CLIENT = 5;
const IDLE_MS = 3000;

interface StoredRow {
  id: string;
  remote_address: string;
  helo: string | null;
  mail_from: string;
  rcpt_to: string[];
  size: number;
  raw: Buffer;
  status: string;
}

/**
 * The inbound SMTP server as a real process (apps/inbound, compiled) beside a real worker, against a PostgreSQL
 * of its own that the test stops: what it accepts and refuses at RCPT, what it stores before 250 and that
 * the job follows, the limits (recipients, size, connections per client, idle clients), a database outage
 * (451, then the sender's retry lands) and a kill -9 in the middle of 500 DSNs.
 */
describe('inbound SMTP server (apps/inbound)', () => {
  const world = campaignWorld({ postgres: 'private', workers: 1, env: { BOUNCE_DOMAIN: DOMAIN } });
  const { h } = world;
  const inbound = new InboundServerProcess(() => h.env());
  let verp: VerpAddresses;

  beforeAll(async () => {
    verp = new VerpAddresses(AppConfig.fromEnvironment({ ...process.env, ...h.env() }));
    await inbound.start({
      INBOUND_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
      INBOUND_SOCKET_TIMEOUT_MS: String(IDLE_MS),
    });
  }, 60000);
  afterAll(() => inbound.stop('SIGKILL'));

  // Every test connection is closed after its test, even one that failed half-way (it would hold a place).
  const clients: SmtpClient[] = [];
  const connect = async () => {
    const c = await SmtpClient.connect(inbound.port);
    clients.push(c);
    return c;
  };
  afterEach(() => clients.splice(0).forEach((c) => c.destroy()));

  const rows = (where = 'true', params: unknown[] = []) =>
    h.query<StoredRow>(`SELECT * FROM inbound_message WHERE ${where} ORDER BY id`, params);
  const count = async () =>
    Number((await h.query<{ n: string }>('SELECT count(*) n FROM inbound_message'))[0]!.n);
  const storedId = (text: string) => Number(/Message (\d+) accepted/.exec(text)?.[1]);

  /** One message over a fresh connection: the RCPT replies and the reply to the message (if any RCPT passed). */
  async function send(to: string[], message: string | Buffer, from = '') {
    const c = await connect();
    try {
      const rcpts = await c.envelope(from, to);
      const result = await c.data(message);
      return { rcpts, result };
    } finally {
      await c.quit();
    }
  }

  it('refuses at RCPT (550 5.1.1) every address that is not its own: other domains, unknown mailboxes, forged or malformed tokens', async () => {
    const before = await count();
    const valid = verp.forDelivery(4242);
    const [local, domain] = valid.split('@') as [string, string];
    const mac = local.slice(-16);
    const forgedMac = `${local.slice(0, -16)}${mac[0] === 'a' ? 'b' : 'a'}${mac.slice(1)}@${domain}`;
    const otherReaders = verp.forDelivery(4243).split('@')[0]!.slice(-16);
    const refused = [
      'someone@elsewhere.example', // an open relay would take this
      valid.replace(DOMAIN, 'elsewhere.example'), // our token, another domain
      `nobody@${DOMAIN}`,
      `bounces@${DOMAIN}`,
      forgedMac,
      `bounces+d${(4242).toString(36)}-${otherReaders}@${DOMAIN}`, // another delivery's MAC
      `bounces+d1-zzzzzzzzzzzzzzzz@${DOMAIN}`,
      `bounces+@${DOMAIN}`,
      `bounces+x1-aaaaaaaaaaaaaaaa@${DOMAIN}`,
      `unsubscribe+u1-0-short@${DOMAIN}`,
      `unsubscribe+${'u'.repeat(60)}@${DOMAIN}`,
      `postmaster@sub.${DOMAIN}`,
    ];
    const c = await connect();
    try {
      expect(c.greeting.code).toBe(220);
      expect(c.greeting.text).toContain(DOMAIN);
      const replies = await c.envelope('', refused);
      expect(replies.map((r) => r.code)).toEqual(refused.map(() => 550));
      for (const r of replies) expect(r.text).toMatch(/^550 5\.1\.1 No such mailbox here/);
      // A local part over 64 characters is refused by its syntax already.
      expect((await c.command(`RCPT TO:<${'a'.repeat(300)}@${DOMAIN}>`)).code).toBeGreaterThanOrEqual(500);
      // Nothing was accepted, so there is no message to take.
      expect((await c.command('DATA')).code).toBe(503);
      // No AUTH and no STARTTLS are offered (smtp-server's own certificate has expired).
      const ehlo = await c.command('EHLO again.example');
      expect(ehlo.text).not.toMatch(/AUTH|STARTTLS/);
      expect(ehlo.text).toMatch(/SIZE 2097152/);
    } finally {
      await c.quit();
    }
    expect(await count()).toBe(before);
  });

  it('accepts its own addresses, stores the bytes and envelope before 250, and the job processes the message', async () => {
    const to = [
      verp.forDelivery(77),
      verp.forDelivery(78).toUpperCase(), // a mail system that changes the case of the local part
      verp.forConfirmation(9),
      verp.unsubscribeAddress(12, 'c0ffee00-0000-4000-8000-000000000000', 3),
      `postmaster@${DOMAIN}`,
      `abuse@${DOMAIN.toUpperCase()}`,
    ];
    const dsn = buildDsn({ to: to[0]! });
    const { rcpts, result } = await send(to, dsn);
    expect(rcpts.map((r) => r.text)).toEqual(to.map(() => '250 2.1.5 Accepted'));
    expect(result.text).toMatch(/^250 2\.6\.0 Message \d+ accepted$/);

    const id = storedId(result.text);
    const [row] = await rows('id = $1', [id]);
    expect(row).toMatchObject({ mail_from: '', helo: 'mta.remote.example', rcpt_to: to });
    expect(row!.remote_address).toMatch(/127\.0\.0\.1$/);
    expect(row!.raw.toString('latin1')).toBe(dsn);
    expect(row!.size).toBe(Buffer.byteLength(dsn));
    // Its job was added at once (the sweep would wait a minute): the worker takes it out of `received`.
    await h.waitUntil(async () => (await rows('id = $1 AND status <> $2', [id, 'received']))[0], {
      what: 'the worker to process the message',
    });
  });

  it('stores a HELO name longer than its column cut to 255 characters, the longest sender whole, and refuses longer ones', async () => {
    // smtp-server takes a HELO argument of up to 300 characters and an address (path) of up to 253.
    const helo = `${'h'.repeat(292)}.example`;
    const from = `${'s'.repeat(64)}@${`${'d'.repeat(60)}.`.repeat(2)}${'e'.repeat(58)}.example`;
    expect([helo.length, from.length]).toEqual([300, 253]);
    const c = await connect();
    await c.envelope(from, [`postmaster@${DOMAIN}`], helo);
    const result = await c.data('Subject: long names\r\n\r\nhello\r\n');
    expect(result.code).toBe(250);
    const [row] = await rows('id = $1', [storedId(result.text)]);
    expect(row).toMatchObject({ helo: helo.slice(0, 255), mail_from: from });
    expect((await c.command(`EHLO x${helo}`)).code).toBe(501);
    expect((await c.command(`MAIL FROM:<t${from}>`)).code).toBe(501);
    await c.quit();
  });

  it('takes 100 recipients in one envelope and answers the other 900 of 1,000 with 452 4.5.3', async () => {
    const to = Array.from({ length: 1000 }, (_, i) => verp.forDelivery(100_000 + i));
    const { rcpts, result } = await send(to, buildDsn({ to: to[0]! }));
    expect(rcpts.slice(0, 100).every((r) => r.code === 250)).toBe(true);
    expect(rcpts.slice(100).map((r) => r.text.slice(0, 9))).toEqual(to.slice(100).map(() => '452 4.5.3'));
    expect(result.code).toBe(250);
    const [row] = await rows('id = $1', [storedId(result.text)]);
    expect(row!.rcpt_to).toEqual(to.slice(0, 100));
  });

  it('stores garbage and truncated MIME as they came, and keeps running', async () => {
    const printable = (n: number) =>
      Array.from(randomBytes(n), (b) => String.fromCharCode(0x21 + (b % 90)))
        .join('')
        .replace(/\./g, '!')
        .replace(/(.{900})/g, '$1\r\n');
    const garbage = `${printable(5000)}\r\n`;
    const truncated =
      'From: x@remote.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n' +
      '--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\nFinal-Recip';
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => 0x80 + (i % 0x7f)));
    const ids: number[] = [];
    for (const message of [garbage, truncated, bytes.toString('latin1')]) {
      const { result } = await send([`postmaster@${DOMAIN}`], message);
      expect(result.code).toBe(250);
      ids.push(storedId(result.text));
    }
    const stored = await rows('id = ANY($1)', [ids]);
    expect(stored.map((r) => r.raw.toString('latin1'))).toEqual([
      garbage,
      `${truncated}\r\n`,
      `${bytes.toString('latin1')}\r\n`,
    ]);
    // Processed (part B keeps what it cannot understand as `unparsed`), and the server still answers.
    await h.waitUntil(
      async () => (await rows('id = ANY($1) AND status = $2', [ids, 'received'])).length === 0,
      {
        what: 'the garbage to be processed',
      },
    );
    expect(inbound.alive).toBe(true);
    expect((await connect()).greeting.code).toBe(220);
  });

  it('stores nothing of a message whose client goes away half-way, and keeps running', async () => {
    const before = await count();
    const c = await connect();
    await c.envelope('', [`postmaster@${DOMAIN}`]);
    expect((await c.command('DATA')).code).toBe(354);
    c.write(`Subject: cut short\r\n\r\n${'x'.repeat(100_000)}`);
    c.destroy();
    await c.closed;
    // The server is still there and takes the next message; the cut one was never stored.
    const { result } = await send([`postmaster@${DOMAIN}`], 'Subject: after\r\n\r\nhello\r\n');
    expect(result.code).toBe(250);
    expect(await count()).toBe(before + 1);
    expect(inbound.alive).toBe(true);
  });

  it('refuses a 10 MB message with 552 5.3.4, announced or not, stores nothing, and the session goes on', async () => {
    const before = await count();
    const big = `Subject: big\r\n\r\n${`${'x'.repeat(998)}\r\n`.repeat(10 * 1024)}`;
    const c = await connect();
    await c.command('EHLO big.example');
    // Announced: refused at MAIL FROM.
    const announced = await c.command(`MAIL FROM:<> SIZE=${Buffer.byteLength(big)}`);
    expect(announced.text).toMatch(/^552 5\.3\.4 /);
    // Not announced: read to the end (the client must see the reply), then refused.
    expect((await c.command('MAIL FROM:<>')).code).toBe(250);
    expect((await c.command(`RCPT TO:<postmaster@${DOMAIN}>`)).code).toBe(250);
    const result = await c.data(big);
    expect(result.text).toMatch(/^552 5\.3\.4 /);
    expect(await count()).toBe(before);
    // The connection is still good for a message of an acceptable size.
    expect((await c.command('MAIL FROM:<>')).code).toBe(250);
    expect((await c.command(`RCPT TO:<postmaster@${DOMAIN}>`)).code).toBe(250);
    expect((await c.data('Subject: small\r\n\r\nhello\r\n')).code).toBe(250);
    await c.quit();
    expect(await count()).toBe(before + 1);
  });

  it('refuses connections from one client beyond INBOUND_MAX_CONNECTIONS_PER_CLIENT with 421 4.7.0', async () => {
    const flood = await Promise.all(Array.from({ length: PER_CLIENT * 4 }, () => connect()));
    const codes = flood.map((c) => c.greeting.code);
    expect(codes.filter((code) => code === 220)).toHaveLength(PER_CLIENT);
    const refused = flood.filter((c) => c.greeting.code !== 220);
    expect(refused).toHaveLength(PER_CLIENT * 3);
    for (const c of refused) expect(c.greeting.text).toMatch(/^421 4\.7\.0 Too many connections/);
    // The refused ones are closed by the server.
    await Promise.all(refused.map((c) => c.closed));
    await Promise.all(flood.filter((c) => c.greeting.code === 220).map((c) => c.quit()));
    // Places are given back when connections close.
    await h.waitUntil(async () => {
      const c = await connect();
      await c.quit();
      return c.greeting.code === 220;
    });
  });

  it('disconnects a client that never sends DATA after INBOUND_SOCKET_TIMEOUT_MS', async () => {
    const c = await connect();
    const rcpts = await c.envelope('', [verp.forDelivery(5)]);
    expect(rcpts[0]!.code).toBe(250);
    // ...and then nothing: the server says why and closes.
    const bye = await c.reply();
    expect(bye.text).toMatch(/^421 .*Timeout/);
    await c.closed;
  });

  it('answers 451 4.3.0 while PostgreSQL is down, and the sender’s retry lands once it is back', async () => {
    const messageId = `<pg-outage-${randomBytes(4).toString('hex')}@mx.remote.example>`;
    const dsn = buildDsn({ to: verp.forDelivery(31), messageId });
    await world.postgres.stop('immediate');
    try {
      const { rcpts, result } = await send([verp.forDelivery(31)], dsn);
      expect(rcpts[0]!.code).toBe(250); // RCPT needs no database
      expect(result.text).toMatch(/^451 4\.3\.0 Temporary local problem/);
      expect(inbound.alive).toBe(true);
    } finally {
      await world.postgres.startAgain();
    }
    // A sending MTA retries until it gets an answer other than 4xx.
    const landed = await h.waitUntil(
      async () => {
        const { result } = await send([verp.forDelivery(31)], dsn);
        return result.code === 250 ? result : undefined;
      },
      { timeoutMs: 30000, intervalMs: 500, what: 'the retry to be accepted' },
    );
    const stored = await rows(`position($1::bytea in raw) > 0`, [Buffer.from(messageId)]);
    expect(stored.map((r) => Number(r.id))).toEqual([storedId(landed.text)]);
    await h.waitUntil(async () => (await rows('id = $1 AND status <> $2', [stored[0]!.id, 'received']))[0], {
      what: 'the retried message to be processed',
    });
  }, 90000);

  it('kill -9 while a client sends 500 DSNs: every message answered 250 is stored once and acted on once', async () => {
    const N = 500;
    // A real campaign to 500 readers, then one hard bounce (RFC 3464, 5.1.1) for each of its deliveries.
    await world.seedAudience('dsnkill', N);
    const campaign = await world.startCampaign(await world.createEdition());
    await world.waitForCampaign(campaign.id, (c) => c.status === 'completed', 'completed', 120000);
    const deliveries = await h.query<{ id: string; subscriber_id: number; email: string }>(
      `SELECT d.id, d.subscriber_id, s.email FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
        WHERE d.campaign_id = $1 ORDER BY d.id`,
      [campaign.id],
    );
    expect(deliveries).toHaveLength(N);
    const before = await count();
    const [{ max: lastId } = { max: '0' }] = await h.query<{ max: string }>(
      'SELECT coalesce(max(id), 0) AS max FROM inbound_message',
    );
    const messages = deliveries.map((d, i) => {
      const messageId = `<kill-${i}-${randomBytes(4).toString('hex')}@mx.remote.example>`;
      const to = verp.forDelivery(Number(d.id));
      return { i, to, messageId, raw: buildDsn({ to, messageId, failedRecipient: d.email }) };
    });
    const transport = createTransport({
      host: '127.0.0.1',
      port: inbound.port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: PER_CLIENT - 1,
      maxMessages: Infinity,
    });
    type Outcome = { acked: boolean; response?: string };
    const outcomes = new Map<number, Outcome>();
    let acked = 0;
    let killed = false;
    const killAt = 150;
    const sends = messages.map((m) =>
      transport
        .sendMail({ envelope: { from: 'mailer-daemon@mx.remote.example', to: m.to }, raw: m.raw })
        .then(
          (info) => {
            outcomes.set(m.i, { acked: true, response: info.response });
            if (++acked === killAt && !killed) {
              killed = true;
              void inbound.stop('SIGKILL');
            }
          },
          (err: Error) => outcomes.set(m.i, { acked: false, response: err.message }),
        ),
    );
    await Promise.all(sends);
    transport.close();
    expect(killed).toBe(true);
    const ackedFirst = messages.filter((m) => outcomes.get(m.i)!.acked);
    const unanswered = messages.filter((m) => !outcomes.get(m.i)!.acked);
    expect(ackedFirst.length).toBeGreaterThanOrEqual(killAt);
    expect(unanswered.length).toBeGreaterThan(0); // really killed in the middle

    // The sender retries what got no 250 against the restarted server.
    await inbound.start({ INBOUND_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT) });
    const retry = createTransport({
      host: '127.0.0.1',
      port: inbound.port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 1,
      maxMessages: Infinity,
    });
    for (const m of unanswered) {
      const info = await retry.sendMail({
        envelope: { from: 'mailer-daemon@mx.remote.example', to: m.to },
        raw: m.raw,
      });
      expect(info.response).toMatch(/^250 /);
    }
    retry.close();

    const stored = await rows('id > $1', [lastId]);
    const byMessageId = new Map<string, number>();
    for (const r of stored) {
      const id = /Message-ID: (<kill-[^>]+>)/.exec(r.raw.toString('latin1'))?.[1];
      if (id) byMessageId.set(id, (byMessageId.get(id) ?? 0) + 1);
    }
    // Every message answered 250 before the kill is stored exactly once...
    expect(ackedFirst.filter((m) => byMessageId.get(m.messageId) !== 1).map((m) => m.i)).toEqual([]);
    // ...and each retried one at least once; twice only if the kill fell between its commit and its 250
    // (the sender never heard the answer), which can be the case of at most the messages then in flight.
    expect(unanswered.filter((m) => !byMessageId.has(m.messageId)).map((m) => m.i)).toEqual([]);
    const twice = unanswered.filter((m) => byMessageId.get(m.messageId)! > 1);
    expect(twice.length).toBeLessThanOrEqual(PER_CLIENT - 1);
    expect(unanswered.every((m) => byMessageId.get(m.messageId)! <= 2)).toBe(true);
    expect(await count()).toBe(before + N + twice.length);
    console.log(
      `[inbound kill] ${ackedFirst.length} answered 250 before the kill, ${unanswered.length} retried, ` +
        `${twice.length} stored twice (committed, answer lost with the process)`,
    );

    // Every stored message gets processed, those whose job the kill lost included (the restarted server's
    // sweep enqueues them).
    await h.waitUntil(
      async () =>
        Number(
          (
            await h.query<{ n: string }>(`SELECT count(*) n FROM inbound_message WHERE status = 'received'`)
          )[0]!.n,
        ) === 0,
      { timeoutMs: 60000, what: 'every stored message to be processed' },
    );
    const processed = await h.query<{ n: string }>(
      `SELECT count(*) n FROM inbound_message WHERE processed_at IS NOT NULL AND status <> 'received'`,
    );
    expect(Number(processed[0]!.n)).toBe(await count());

    // Acted on exactly once each: every delivery bounced, one feedback row per delivery (a message stored
    // twice is the same report, applied once), every reader bounced by one event.
    const ids = deliveries.map((d) => d.id);
    const subscriberIds = deliveries.map((d) => d.subscriber_id);
    const statuses = await h.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int n FROM delivery WHERE campaign_id = $1 GROUP BY status`,
      [campaign.id],
    );
    expect(statuses).toEqual([{ status: 'bounced', n: N }]);
    const [feedback] = await h.query<{ rows: number; deliveries: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT delivery_id)::int AS deliveries
         FROM mail_feedback WHERE delivery_id = ANY($1::bigint[])`,
      [ids],
    );
    expect(feedback).toEqual({ rows: N, deliveries: N });
    const events = await h.query<{ subscriber_id: number; n: number }>(
      `SELECT subscriber_id, count(*)::int n FROM subscriber_event
        WHERE subscriber_id = ANY($1::int[]) AND to_status = 'bounced' GROUP BY subscriber_id`,
      [subscriberIds],
    );
    expect(events).toHaveLength(N);
    expect(events.filter((e) => e.n !== 1)).toEqual([]);
  }, 180000);
});
