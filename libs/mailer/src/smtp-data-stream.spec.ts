import type { Transform } from 'node:stream';
import { fastDataStreamTransform, nodemailerDataStream } from './smtp-data-stream';

type DataStreamClass = new () => Transform & {
  inByteCount: number;
  outByteCount: number;
  _transform: unknown;
};

async function pipeThrough(
  useFast: boolean,
  parts: Buffer[],
): Promise<{ out: Buffer; inBytes: number; outBytes: number }> {
  const DataStream = nodemailerDataStream() as unknown as DataStreamClass;
  const stream = new DataStream();
  if (useFast) stream._transform = fastDataStreamTransform;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  for (const p of parts) stream.write(p);
  stream.end();
  await ended;
  return { out: Buffer.concat(chunks), inBytes: stream.inByteCount, outBytes: stream.outByteCount };
}

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('fast SMTP DATA stream transform', () => {
  it("is nodemailer's own DataStream class that gets the fast transform", () => {
    const DataStream = nodemailerDataStream();
    expect(DataStream).toBeDefined();
    expect(DataStream!.prototype._transform).not.toBe(fastDataStreamTransform);
  });

  it("produces byte for byte what nodemailer's transform does, at any chunk boundary", async () => {
    const random = rng(42);
    const alphabet = [0x0d, 0x0a, 0x2e, 0x41, 0x20];
    for (let k = 0; k < 3000; k++) {
      const bytes = Buffer.from(
        Array.from(
          { length: Math.floor(random() * 48) },
          () => alphabet[Math.floor(random() * alphabet.length)]!,
        ),
      );
      const parts: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const next = at + 1 + Math.floor(random() * 9);
        parts.push(bytes.subarray(at, next));
        at = next;
      }
      const theirs = await pipeThrough(false, parts);
      const ours = await pipeThrough(true, parts);
      if (!ours.out.equals(theirs.out)) {
        throw new Error(
          `differs for ${JSON.stringify(bytes.toString('latin1'))}: ` +
            `${JSON.stringify(ours.out.toString('latin1'))} vs ${JSON.stringify(theirs.out.toString('latin1'))}`,
        );
      }
      expect(ours.inBytes).toBe(theirs.inBytes);
      expect(ours.outBytes).toBe(theirs.outBytes);
    }
  });

  it('stuffs dots and fixes bare line breaks in a message-shaped input, and ends with CRLF.CRLF', async () => {
    const message = Buffer.from(
      'Subject: x\r\n\r\n.starts with a dot\nbare LF\rbare CR\r.dot after bare CR\r\n..two dots\r\nend',
    );
    const ours = await pipeThrough(true, [message.subarray(0, 17), message.subarray(17)]);
    expect(ours.out.toString()).toBe(
      'Subject: x\r\n\r\n..starts with a dot\r\nbare LF\r\nbare CR\r\n..dot after bare CR\r\n...two dots\r\nend\r\n.\r\n',
    );
    expect(ours.out.equals((await pipeThrough(false, [message])).out)).toBe(true);
  });
});
