import { inflateRawSync } from 'node:zlib';
import { InvalidInputError } from '../common/domain.errors';
import { type HtmlDraft, htmlToDraft } from './draft.html';

/**
 * The Word document itself (.docx) as draft text: mammoth turns it into HTML, htmlToDraft into the draft
 * format, and the draft parser reads that like any draft (docs/draft-format.md, "Importing the Word document").
 */

export const DOCX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * The largest .docx accepted. Larger than a text draft (1 MB): a Word file carries styles, fonts and often a
 * logo or photos besides the text (the images are left out); the text it yields is held to the draft's limits.
 */
export const MAX_DOCX_BYTES = 10 * 1024 * 1024;

/** What the archive's parts may unpack to, all together: a zip bomb is refused before mammoth opens it. */
export const MAX_DOCX_UNPACKED_BYTES = 32 * 1024 * 1024;

/** A Word document has some twenty parts; thousands are not a document. */
const MAX_DOCX_ENTRIES = 2000;

const NOT_DOCX =
  'The file is not a Word document (.docx). Save it from Word, LibreOffice or Google Docs as “Word Document (.docx)” and upload that.';

function refuse(reason: string): never {
  throw new InvalidInputError(`${NOT_DOCX} (${reason})`, { file: 'docx' });
}

/**
 * Checks that `buf` is a zip archive holding a Word document and that its parts unpack to at most
 * MAX_DOCX_UNPACKED_BYTES, inflating each (with Node's zlib, bounded by maxOutputLength) rather than trusting
 * the sizes the archive declares. Throws InvalidInputError (400) with what is wrong.
 */
export function checkDocxArchive(buf: Buffer): void {
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0xd0cf11e0 && buf.readUInt32BE(4) === 0xa1b11ae1) {
    throw new InvalidInputError(
      'The file is an older Word document (.doc). Open it in Word and save it as “Word Document (.docx)”, then upload that.',
      { file: 'doc' },
    );
  }
  if (buf.length < 22 || buf.readUInt32LE(0) !== 0x04034b50) refuse('it is not a zip archive');
  // The end-of-central-directory record: 22 bytes and a comment of at most 65,535 at the end.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) refuse('the zip archive is damaged: its directory is missing');
  const entries = buf.readUInt16LE(eocd + 10);
  const dirSize = buf.readUInt32LE(eocd + 12);
  const dirOffset = buf.readUInt32LE(eocd + 16);
  if (entries === 0xffff || dirOffset === 0xffffffff) refuse('a ZIP64 archive, which Word does not write');
  if (entries > MAX_DOCX_ENTRIES) refuse(`the archive has ${entries} parts`);
  if (dirOffset + dirSize > eocd) refuse('the zip archive is damaged: its directory is cut off');

  const names = new Set<string>();
  let unpacked = 0;
  let pos = dirOffset;
  for (let n = 0; n < entries; n++) {
    if (pos + 46 > eocd || buf.readUInt32LE(pos) !== 0x02014b50) refuse('the zip archive is damaged');
    const method = buf.readUInt16LE(pos + 10);
    const compressed = buf.readUInt32LE(pos + 20);
    const nameLength = buf.readUInt16LE(pos + 28);
    const extraLength = buf.readUInt16LE(pos + 30);
    const commentLength = buf.readUInt16LE(pos + 32);
    const local = buf.readUInt32LE(pos + 42);
    const name = buf.toString('utf8', pos + 46, pos + 46 + nameLength);
    pos += 46 + nameLength + extraLength + commentLength;
    names.add(name);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50)
      refuse('the zip archive is damaged');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) refuse('the zip archive is damaged: a part is cut off');
    const data = buf.subarray(start, start + compressed);
    const budget = MAX_DOCX_UNPACKED_BYTES - unpacked;
    if (method === 0) {
      unpacked += compressed;
    } else if (method === 8) {
      try {
        unpacked += inflateRawSync(data, { maxOutputLength: Math.max(1, budget) }).length;
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
          unpacked = MAX_DOCX_UNPACKED_BYTES + 1;
        else refuse(`the zip archive is damaged: “${name.slice(0, 80)}” cannot be unpacked`);
      }
    } else {
      refuse(`“${name.slice(0, 80)}” is packed with a method Word does not use (${method})`);
    }
    if (unpacked > MAX_DOCX_UNPACKED_BYTES) {
      throw new InvalidInputError(
        `The Word document unpacks to more than ${MAX_DOCX_UNPACKED_BYTES / 1024 / 1024} MB: it is not an issue's draft.`,
        { file: 'docx' },
      );
    }
  }
  if (!names.has('word/document.xml') || !names.has('[Content_Types].xml')) {
    refuse('it is a zip archive without word/document.xml');
  }
}

/** Reads a .docx as draft text; 400 for a file that is not one, with what to do. */
export async function docxToDraft(buf: Buffer): Promise<HtmlDraft> {
  if (buf.length > MAX_DOCX_BYTES) {
    throw new InvalidInputError(`The Word document is larger than ${MAX_DOCX_BYTES / 1024 / 1024} MB`, {
      file: 'docx',
    });
  }
  checkDocxArchive(buf);
  let html: string;
  try {
    // Loaded on first use: only the API reads Word documents (mammoth is ~12 MB of resident memory).
    const { default: mammoth } = await import('mammoth');
    const result = await mammoth.convertToHtml(
      { buffer: buf },
      {
        // Every paragraph counts, empty ones too: error messages number paragraphs as the document has them.
        ignoreEmptyParagraphs: false,
        // Images are left out (htmlToDraft counts them): never read or unpacked.
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
        externalFileAccess: false,
      },
    );
    html = result.value;
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'unreadable';
    refuse(`Word could not be read from it: ${reason}`);
  }
  return htmlToDraft(html, 'word');
}
