import { AppConfig } from '@app/config';
import { VerpAddresses } from '@app/core';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { buildDsn, InboundServerProcess, SmtpClient } from './helpers/inbound-mail';
import { campaignWorld } from './helpers/scenarios';

const DOMAIN = 'bounces.example.test';

/**
 * The inbound server when Redis goes away (the message is still answered 250 once stored, and its job follows
 * when Redis is back, even if the process that stored it died meanwhile: the sweep at boot), and when it is
 * told to stop (SIGTERM) while a client is in the middle of a message (that message is stored and answered,
 * then the process exits; nobody new is let in).
 */
describe('inbound SMTP server: Redis outage and graceful shutdown', () => {
  const world = campaignWorld({ redis: 'private', workers: 1, env: { BOUNCE_DOMAIN: DOMAIN } });
  const { h } = world;
  const inbound = new InboundServerProcess(() => h.env());
  let verp: VerpAddresses;

  beforeAll(async () => {
    verp = new VerpAddresses(AppConfig.fromEnvironment({ ...process.env, ...h.env() }));
    await inbound.start();
  }, 60000);
  afterAll(() => inbound.stop('SIGKILL'));

  const status = async (messageId: string) =>
    (
      await h.query<{ id: string; status: string }>(
        `SELECT id, status FROM inbound_message WHERE position($1::bytea in raw) > 0`,
        [Buffer.from(messageId)],
      )
    ).map((r) => r.status);

  async function sendDsn(messageId: string) {
    const c = await SmtpClient.connect(inbound.port);
    try {
      await c.envelope('', [verp.forDelivery(7)]);
      return await c.data(buildDsn({ to: verp.forDelivery(7), messageId }));
    } finally {
      c.destroy();
    }
  }

  it('answers 250 while Redis is down (the message is stored), and the job follows once Redis is back', async () => {
    const lost = `<redis-lost-${randomBytes(4).toString('hex')}@mx.remote.example>`;
    const held = `<redis-held-${randomBytes(4).toString('hex')}@mx.remote.example>`;
    await world.redis.kill();
    try {
      // Stored, answered at once (the job waits for Redis), and then the process dies with its job unsent.
      expect((await sendDsn(lost)).text).toMatch(/^250 2\.6\.0 /);
      await inbound.stop('SIGKILL');
    } finally {
      await world.redis.startAgain();
    }
    expect(await status(lost)).toEqual(['received']);
    // The next inbound process sweeps at boot: every message still `received` gets its job.
    await inbound.start();
    await h.waitUntil(async () => ((await status(lost))[0] ?? 'received') !== 'received', {
      timeoutMs: 30000,
      what: 'the message stored before the crash to be processed',
    });

    // Redis lost while the process lives: the job it could not add is added when Redis is back.
    await world.redis.kill();
    try {
      expect((await sendDsn(held)).text).toMatch(/^250 2\.6\.0 /);
      expect(inbound.alive).toBe(true);
    } finally {
      await world.redis.startAgain();
    }
    await h.waitUntil(async () => ((await status(held))[0] ?? 'received') !== 'received', {
      timeoutMs: 60000,
      what: 'the message stored while Redis was down to be processed',
    });
    expect(await status(lost)).toHaveLength(1);
    expect(await status(held)).toHaveLength(1);
  }, 150000);

  it('on SIGTERM finishes the message being received (stored, 250), lets nobody new in, then exits', async () => {
    const messageId = `<sigterm-${randomBytes(4).toString('hex')}@mx.remote.example>`;
    const dsn = buildDsn({ to: verp.forDelivery(8), messageId });
    const c = await SmtpClient.connect(inbound.port);
    try {
      await c.envelope('', [verp.forDelivery(8)]);
      expect((await c.command('DATA')).code).toBe(354);
      const half = Math.floor(dsn.length / 2);
      c.write(dsn.slice(0, half));
      const exited = new Promise<string>((r) =>
        inbound.child!.once('exit', (code, signal) => r(signal ?? `exit ${code}`)),
      );
      inbound.child!.kill('SIGTERM');
      await h.waitUntil(() => inbound.output.includes('closing the SMTP server'), {
        what: 'the server to close',
      });
      // Nobody new gets in...
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(inbound.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
      // ...but the message in progress is taken.
      c.write(`${dsn.slice(half)}.\r\n`); // the DSN ends with CRLF: then the final dot
      const reply = await c.reply();
      expect(reply.text).toMatch(/^250 2\.6\.0 /);
      expect(await status(messageId)).toHaveLength(1);
      await c.quit();
      // Nest re-raises the signal once its shutdown hooks are done: a clean stop, not a kill.
      expect(['exit 0', 'SIGTERM']).toContain(await exited);
      expect(inbound.output).not.toMatch(/"level":50/);
      // Its last report counts what this process stored: the DSN of the Redis test and this one.
      expect(inbound.output).toMatch(
        /alive, \d+ connection\(s\) open; since the last report 2 message\(s\) stored, 0 answered 451/,
      );
    } finally {
      c.destroy();
    }
  }, 60000);
});
