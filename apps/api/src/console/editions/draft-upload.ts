import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';

/** The same ceiling as the JSON/text body parsers: a month's draft is some ten kilobytes. */
export const MAX_DRAFT_BYTES = 1024 * 1024;

export interface DraftForm {
  /** The pasted text (textarea). */
  draft: string;
  /** The uploaded file's text, when a non-empty file was chosen. */
  file?: string;
  format: string;
}

/**
 * Reads the import form: multipart/form-data (the console form, so a file can be uploaded; parsed here
 * because the app's body parsers leave multipart alone) or urlencoded (textarea only).
 */
export async function readDraftForm(req: Request): Promise<DraftForm> {
  if (!req.is('multipart/form-data')) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return {
      draft: typeof body.draft === 'string' ? body.draft : '',
      format: typeof body.format === 'string' ? body.format : 'text',
    };
  }
  return new Promise<DraftForm>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fields: 10, fieldSize: MAX_DRAFT_BYTES, files: 1, fileSize: MAX_DRAFT_BYTES, parts: 12 },
      });
    } catch {
      reject(new BadRequestException('Malformed upload: send the form again'));
      return;
    }
    const out: DraftForm = { draft: '', format: 'text' };
    let tooLarge = false;
    let fileDone: Promise<void> = Promise.resolve();
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) tooLarge = true;
      if (name === 'draft') out.draft = value;
      else if (name === 'format') out.format = value;
    });
    bb.on('file', (name, stream) => {
      if (name !== 'file') {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => (tooLarge = true));
      fileDone = new Promise<void>((done) =>
        stream.on('close', () => {
          const buf = Buffer.concat(chunks);
          if (buf.length > 0) out.file = buf.toString('utf8');
          done();
        }),
      );
    });
    bb.on('close', () => {
      fileDone.then(
        () =>
          tooLarge ? reject(new PayloadTooLargeException('The draft is larger than 1 MB')) : resolve(out),
        reject,
      );
    });
    bb.on('error', () => reject(new BadRequestException('Malformed upload: send the form again')));
    req.pipe(bb);
  });
}
