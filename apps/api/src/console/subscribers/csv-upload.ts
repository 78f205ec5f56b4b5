import { InvalidInputError } from '@app/core';
import busboy from 'busboy';
import type { Request } from 'express';
import { PassThrough, type Readable } from 'node:stream';

/** Largest CSV the console accepts in one upload (about 250,000 typical "email,name" lines). */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Room for the multipart envelope (boundaries, part headers, the option fields) around the file. */
const ENVELOPE_BYTES = 64 * 1024;

const CSV_TYPES = new Set([
  'text/csv',
  'application/csv',
  'text/plain',
  'text/x-csv',
  // what browsers on Windows with Excel installed send for a .csv file
  'application/vnd.ms-excel',
]);

/** The upload cannot be used: the page answers 400 with this message. */
export class UploadRejectedError extends InvalidInputError {}

export class UploadTooLargeError extends UploadRejectedError {
  constructor() {
    super(`The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: split it and import the parts.`);
  }
}

/** The upload broke off after rows may already have been imported. */
export class UploadInterruptedError extends UploadRejectedError {}

export interface CsvUpload {
  /** The CSV bytes as they arrive; errors with UploadTooLargeError past MAX_IMPORT_BYTES. */
  stream: Readable;
  filename: string;
  /** Form fields sent before the file (the form puts its options first). */
  fields: Record<string, string>;
}

function looksLikeCsv(filename: string, mimeType: string): boolean {
  return /\.(csv|txt)$/i.test(filename) || CSV_TYPES.has(mimeType.toLowerCase());
}

/**
 * Reads a multipart form holding one CSV file (field `fileField`) and hands the file to `consume` while it
 * streams in, so a large file is never held in memory. Fields must precede the file, as browsers send them
 * in the form's order; fields after it are ignored. Resolves with what `consume` returned; rejects with
 * UploadRejectedError for no file, a file that is not CSV, one that is too large or a malformed body, and
 * with whatever `consume` threw otherwise.
 */
export async function withCsvUpload<T>(
  req: Request,
  fileField: string,
  consume: (upload: CsvUpload) => Promise<T>,
  /** Receives the fields as they arrive, so a refused upload can still re-fill its form. */
  fields: Record<string, string> = {},
): Promise<T> {
  if (!req.is('multipart/form-data')) {
    throw new UploadRejectedError('Send the form as multipart/form-data with a CSV file.');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_IMPORT_BYTES + ENVELOPE_BYTES) throw new UploadTooLargeError();

  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      limits: { files: 1, fileSize: MAX_IMPORT_BYTES, fields: 20, fieldSize: 1024, parts: 25 },
    });
  } catch {
    throw new UploadRejectedError('The upload is malformed (no multipart boundary).');
  }

  let job: Promise<T> | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      bb.on('field', (name, value) => {
        if (!job && !Object.hasOwn(fields, name)) fields[name] = value;
      });
      bb.on('file', (name, file, info) => {
        if (job || name !== fileField || !info.filename) {
          file.resume(); // an empty file input still sends a part with no file name
          return;
        }
        if (!looksLikeCsv(info.filename, info.mimeType)) {
          file.resume();
          reject(
            new UploadRejectedError('The file is not a CSV: choose a .csv file (comma-separated, UTF-8).'),
          );
          return;
        }
        const stream = new PassThrough();
        file.on('limit', () => stream.destroy(new UploadTooLargeError()));
        // (both errors reach consume through the stream, as UploadRejectedError subclasses)
        file.on('error', (err: Error) =>
          stream.destroy(new UploadInterruptedError(`The upload ended early (${err.message}).`)),
        );
        file.pipe(stream);
        // async wrapper: a synchronous throw must reject the job, not escape into busboy's event emitter
        const filename = info.filename;
        job = (async () => consume({ stream, filename, fields: { ...fields } }))();
        void job.then(resolve, reject).finally(() => {
          // whatever consume left unread must still flow, or busboy (and the request) stall
          if (!file.destroyed) file.resume();
        });
      });
      bb.on('close', () => {
        if (!job) reject(new UploadRejectedError('Choose a CSV file to import.'));
      });
      bb.on('error', (err: Error) => {
        if (!job) reject(new UploadRejectedError(`The upload is malformed or incomplete: ${err.message}`));
        // with a job running, the file stream fails too and consume reports it
      });
      req.pipe(bb);
    });
  } finally {
    req.unpipe(bb);
    req.resume(); // discard the rest of an upload we stopped reading
  }
}
