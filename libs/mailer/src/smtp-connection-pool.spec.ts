import { freePort, SmtpSink } from '@app/testing';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SmtpConnectionPool } from './smtp-connection-pool';

/** The pool against a real SMTP server in process (smtp-server): counts, reuse and failures. */
describe('SmtpConnectionPool', () => {
  let sink: SmtpSink;
  let pool: SmtpConnectionPool | undefined;

  const message = (i: number) =>
    Buffer.from(
      `From: a@example.test\r\nTo: r${i}@example.test\r\nSubject: ${i}\r\n\r\n.line ${i}\r\nend\r\n`,
    );
  const newPool = (port: number, maxConnections: number, socketTimeout = 5000) =>
    (pool = new SmtpConnectionPool({
      connection: { host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 2000, socketTimeout },
      maxConnections,
    }));

  beforeEach(async () => {
    sink = await new SmtpSink().start();
  });
  afterEach(async () => {
    pool?.close();
    pool = undefined;
    await sink.stop();
  });

  it('sends every message over at most maxConnections reused connections, byte for byte', async () => {
    const p = newPool(sink.port, 3);
    const infos = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        p.send({ from: 'bounce@example.test', to: [`r${i}@example.test`] }, message(i)),
      ),
    );
    expect(infos.every((info) => String(info.response).startsWith('250'))).toBe(true);
    expect(sink.messages).toHaveLength(30);
    expect(sink.connections).toBe(3);
    const seven = sink.messages.find((m) => m.envelopeTo[0] === 'r7@example.test')!;
    expect(seven.envelopeFrom).toBe('bounce@example.test');
    expect(seven.raw.toString()).toBe(message(7).toString()); // the leading dot was stuffed and unstuffed
  });

  it('keeps a connection after the server refuses a recipient (RSET), and reports the refusal', async () => {
    sink.policy = (rcpt) =>
      rcpt === 'gone@example.test' ? { code: 550, message: 'no such user' } : undefined;
    const p = newPool(sink.port, 1);
    await expect(
      p.send({ from: 'b@example.test', to: ['gone@example.test'] }, message(1)),
    ).rejects.toMatchObject({
      responseCode: 550,
    });
    await p.send({ from: 'b@example.test', to: ['here@example.test'] }, message(2));
    expect(sink.messages.map((m) => m.envelopeTo[0])).toEqual(['here@example.test']);
    expect(sink.connections).toBe(1);
  });

  it('fails every waiting send when the server cannot be reached (none is left waiting), then recovers', async () => {
    const port = await freePort();
    const p = newPool(port, 2);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        p.send({ from: 'b@example.test', to: [`r${i}@example.test`] }, message(i)),
      ),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/ECONNREFUSED|connect/i);
    const up = await new SmtpSink().start(port);
    try {
      await p.send({ from: 'b@example.test', to: ['r@example.test'] }, message(0));
      expect(up.messages).toHaveLength(1);
    } finally {
      pool?.close();
      await up.stop();
    }
  });

  it('replaces a connection that closed while idle (socket timeout), without failing the next send', async () => {
    const p = newPool(sink.port, 1, 300);
    await p.send({ from: 'b@example.test', to: ['r1@example.test'] }, message(1));
    await new Promise((r) => setTimeout(r, 800));
    await p.send({ from: 'b@example.test', to: ['r2@example.test'] }, message(2));
    expect(sink.messages).toHaveLength(2);
    expect(sink.connections).toBe(2);
  });

  it('logs in where the server offers AUTH, and a wrong password fails the send', async () => {
    const accepted: string[] = [];
    const server = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, cb) =>
        auth.username === 'mailer' && auth.password === 's3cret'
          ? cb(null, { user: auth.username })
          : cb(new Error('Invalid username or password')),
      onData: (stream, session, cb) => {
        stream.resume();
        stream.on('end', () => {
          accepted.push(`${String(session.user)}:${session.envelope.rcptTo[0]!.address}`);
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    const withAuth = (pass: string) =>
      new SmtpConnectionPool({
        connection: { host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 2000 },
        auth: { user: 'mailer', pass },
        maxConnections: 1,
      });
    const good = withAuth('s3cret');
    const bad = withAuth('wrong');
    try {
      await good.send({ from: 'b@example.test', to: ['r@example.test'] }, message(1));
      expect(accepted).toEqual(['mailer:r@example.test']);
      await expect(
        bad.send({ from: 'b@example.test', to: ['r@example.test'] }, message(2)),
      ).rejects.toMatchObject({
        code: 'EAUTH',
      });
    } finally {
      good.close();
      bad.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
