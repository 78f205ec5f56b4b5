import { MAX_DOCX_BYTES } from '@app/core';
import { PayloadTooLargeException } from '@nestjs/common';
import type { Request } from 'express';

const TOO_LARGE = `The Word document is larger than ${MAX_DOCX_BYTES / 1024 / 1024} MB`;

/**
 * The body of a request carrying a Word document, read by the handler (no app-wide body parser takes this type:
 * only a signed-in editor, past the guard, may make the server hold up to MAX_DOCX_BYTES). 413 over the limit.
 */
export function readDocxBody(req: Request): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_DOCX_BYTES) {
    req.resume();
    return Promise.reject(new PayloadTooLargeException(TOO_LARGE));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_DOCX_BYTES) {
        over = true;
        chunks.length = 0;
        reject(new PayloadTooLargeException(TOO_LARGE));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
