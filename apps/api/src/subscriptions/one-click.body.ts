import busboy from 'busboy';
import type { Request } from 'express';

const MAX_MULTIPART_BYTES = 64 * 1024;

/**
 * Whether the POST carried RFC 8058's `List-Unsubscribe=One-Click`. The urlencoded body is already parsed;
 * multipart (which some mailbox providers send) is read here with busboy. Only used to label the event: a
 * POST with a valid unsubscribe token unsubscribes whatever its body.
 */
export async function isOneClickPost(req: Request): Promise<boolean> {
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && body['List-Unsubscribe'] !== undefined) {
    return body['List-Unsubscribe'] === 'One-Click';
  }
  if (!req.is('multipart/form-data')) return false;
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_MULTIPART_BYTES) return false;
  return new Promise<boolean>((resolve) => {
    let oneClick = false;
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fields: 10, fieldSize: 1024, files: 0, parts: 10, fieldNameSize: 100 },
      });
    } catch {
      resolve(false); // no or malformed boundary
      return;
    }
    bb.on('field', (name, value) => {
      if (name === 'List-Unsubscribe' && value === 'One-Click') oneClick = true;
    });
    bb.on('file', (_name, stream) => stream.resume());
    bb.on('close', () => resolve(oneClick));
    bb.on('error', () => resolve(oneClick));
    req.pipe(bb);
  });
}
