import { DOCX_CONTENT_TYPE, MAX_DOCX_BYTES } from '@app/core';
import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';

/** The same ceiling as the JSON/text body parsers: a month's draft is some ten kilobytes. */
export const MAX_DRAFT_BYTES = 1024 * 1024;

export interface DraftForm {
  /** The pasted text (textarea). */
  draft: string;
  /** The uploaded file's text, when a non-empty text file was chosen. */
  file?: string;
  /** The uploaded Word document (or what claims to be one: read by the service, which refuses a non-.docx). */
  docx?: Buffer;
  format: string;
}

/**
 * A chosen file is taken as a Word document when its name, its type or its first bytes say so: a zip archive
 * (what a .docx is) or an old binary .doc (refused by the service with what to do). A text draft never starts
 * with those bytes (control characters are refused in a draft).
 */
function isWordFile(name: string, mimeType: string, head: Buffer): boolean {
  const zip = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
  const ole = head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0;
  return (
    /\.docx?$/i.test(name) ||
    mimeType === DOCX_CONTENT_TYPE ||
    mimeType === 'application/msword' ||
    zip ||
    ole
  );
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
        // The file may be a Word document (up to MAX_DOCX_BYTES); a text file is held to MAX_DRAFT_BYTES below.
        limits: { fields: 10, fieldSize: MAX_DRAFT_BYTES, files: 1, fileSize: MAX_DOCX_BYTES, parts: 12 },
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
    let fileTooLarge = '';
    bb.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => (fileTooLarge = `The file is larger than ${MAX_DOCX_BYTES / 1024 / 1024} MB`));
      fileDone = new Promise<void>((done) =>
        stream.on('close', () => {
          const buf = Buffer.concat(chunks);
          if (buf.length === 0) return done();
          if (isWordFile(info.filename ?? '', info.mimeType, buf.subarray(0, 4))) out.docx = buf;
          else if (buf.length > MAX_DRAFT_BYTES) fileTooLarge = 'The draft is larger than 1 MB';
          else out.file = buf.toString('utf8');
          done();
        }),
      );
    });
    bb.on('close', () => {
      fileDone.then(
        () =>
          tooLarge || fileTooLarge
            ? reject(new PayloadTooLargeException(fileTooLarge || 'The draft is larger than 1 MB'))
            : resolve(out),
        reject,
      );
    });
    bb.on('error', () => reject(new BadRequestException('Malformed upload: send the form again')));
    req.pipe(bb);
  });
}
