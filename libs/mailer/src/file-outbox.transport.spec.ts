import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOutboxTransport } from './file-outbox.transport';

describe('FileOutboxTransport', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'outbox-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = () => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'latin1'));

  it('records the envelope sender as Return-Path, for composed and prebuilt messages, From unchanged', async () => {
    const outbox = new FileOutboxTransport(dir);
    await outbox.send({
      kind: 'compose',
      from: 'CRANK Call <crank@example.test>',
      to: 'reader@example.test',
      subject: 'Confirm',
      html: '<p>hi</p>',
      text: 'hi',
      envelope: { from: 'bounces+c1-aaaaaaaaaaaaaaaa@bounces.example.test', to: 'reader@example.test' },
    });
    const [composed] = files();
    expect(composed).toMatch(/^Return-Path: <bounces\+c1-a{16}@bounces\.example\.test>\r\n/);
    expect(composed).toMatch(/^From: CRANK Call <crank@example\.test>\r$/m);
    rmSync(join(dir, readdirSync(dir)[0]!));

    await outbox.send({
      kind: 'raw',
      raw: 'From: crank@example.test\r\nTo: r@example.test\r\nSubject: x\r\n\r\nbody\r\n',
      envelope: { from: 'bounces+d2-bbbbbbbbbbbbbbbb@bounces.example.test', to: 'r@example.test' },
      messageId: '<m@example.test>',
    });
    expect(files()[0]).toBe(
      'Return-Path: <bounces+d2-bbbbbbbbbbbbbbbb@bounces.example.test>\r\n' +
        'From: crank@example.test\r\nTo: r@example.test\r\nSubject: x\r\n\r\nbody\r\n',
    );
  });

  it('writes no Return-Path without an envelope, and none from an unsafe one', async () => {
    const outbox = new FileOutboxTransport(dir);
    await outbox.send({
      kind: 'compose',
      from: 'a@example.test',
      to: 'b@example.test',
      subject: 's',
      html: 'h',
      text: 't',
    });
    await outbox.send({
      kind: 'raw',
      raw: 'Subject: y\r\n\r\nbody\r\n',
      envelope: { from: 'x@example.test>\r\nBcc: v@example.test', to: 'b@example.test' },
      messageId: '<n@example.test>',
    });
    for (const f of files()) expect(f).not.toMatch(/^Return-Path:/m);
  });
});
