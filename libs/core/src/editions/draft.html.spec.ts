import { deflateRawSync } from 'node:zlib';
import { Paragraph } from 'docx';
import { crankCallApril2025 } from '../../../../test/fixtures/crank-call-2025-04.expected';
import {
  aprilDocx,
  aprilDraftText,
  aprilWithError,
  aprilWithImageAndFootnote,
  aprilWithLinksExpected,
  aprilWithTable,
  wordDocument,
} from '../../../../test/fixtures/word-drafts';
import { InvalidInputError } from '../common/domain.errors';
import { checkDocxArchive, docxToDraft, MAX_DOCX_UNPACKED_BYTES } from './draft.docx';
import { DocumentParseError, type HtmlDraft, htmlToDraft } from './draft.html';
import { DraftParseError, parseDraft } from './draft.parser';
import { scanInline } from './inline.parser';

/** A zip archive written by hand (local headers, central directory, end record): for archives Word never writes. */
function zipOf(entries: { name: string; data: Buffer; deflate?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(e.deflate ? 8 : 0, 10);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(e.data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    central.push(dir, name);
    offset += 30 + name.length + body.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

function refusal(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

async function refusalOf(p: Promise<unknown>): Promise<InvalidInputError> {
  const err: unknown = await p.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (err instanceof InvalidInputError) return err;
  throw err;
}

/** parseDraft over a converted document, its error told in paragraphs as the service does. */
function parseDocument(doc: HtmlDraft) {
  try {
    return parseDraft(doc.text);
  } catch (err) {
    if (err instanceof DraftParseError) throw new DocumentParseError(err, doc);
    throw err;
  }
}

describe('the Word document itself (mammoth, then htmlToDraft, then the draft parser)', () => {
  it('reads the April 2025 issue written in Word as its text draft, bold headings and an italic masthead marked', async () => {
    const doc = await docxToDraft(await aprilDocx(false));
    expect(doc.text).toBe(aprilDraftText(false, true));
    expect(doc.text).toContain('\n**Links**\n');
    expect(doc.text).toContain('\n*Editor, Greg Priddy (gpriddy@cftni.org)*');
    // Headings and the masthead keep no emphasis: the content is the text draft's, exactly.
    expect(doc.warnings).toEqual([]);
    expect(parseDraft(doc.text)).toEqual(crankCallApril2025);
    // One line per paragraph: the draft's line n is the document's paragraph n
    expect(doc.lineParagraph).toEqual(doc.text.split('\n').map((_l, i) => i + 1));
  });

  it('keeps hyperlinks as the draft link syntax: sources, an analysis title, words in a story', async () => {
    const doc = await docxToDraft(await aprilDocx(true));
    expect(doc.text).toBe(aprilDraftText(true, true));
    expect(doc.text).toContain(
      '—Chinese President Xi Jinping visited Russia for Victory Day. ([Reuters](https://www.reuters.com/world/china/xi-jinping-visits-russia-2025-05-07/), [Global Times](https://www.globaltimes.cn/page/202505/1333591.shtml))',
    );
    expect(doc.text).toContain(
      '[China-Russia Alignment – a Shared Vision, Without Fully Seeing Eye to Eye](https://merics.org/en/report/china-russia-alignment-shared-vision-without-fully-seeing-eye-eye) (Claus Soong, Mercator Institute for China Studies)',
    );
    expect(doc.text).toContain(
      'the proposed [Power of Siberia 2](https://en.wikipedia.org/wiki/Power_of_Siberia_2) pipeline',
    );
  });

  it('reads the linked April issue into linked content: sources, an analysis title, words in stories', async () => {
    const content = parseDocument(await docxToDraft(await aprilDocx(true)));
    expect(content).toEqual(aprilWithLinksExpected());
    expect(content.links[0]!.sources).toEqual([
      { name: 'Reuters', url: 'https://www.reuters.com/world/china/xi-jinping-visits-russia-2025-05-07/' },
      { name: 'Global Times', url: 'https://www.globaltimes.cn/page/202505/1333591.shtml' },
    ]);
  });

  it('refuses a link the draft format refuses (javascript:, a file on the editor’s disk), naming the paragraph', () => {
    for (const [href, expected] of [
      ['javascript:alert(1)', 'an http: or https: link (“javascript:” links are not allowed)'],
      ['file:///C:/Users/editor/reuters.html', 'an http: or https: link (“file:” links are not allowed)'],
    ]) {
      const html = aprilDraftText(false)
        .split('\n')
        .map((l) => `<p>${l.replace('(Reuters)', `(<a href="${href}">Reuters</a>)`)}</p>`)
        .join('');
      const doc = htmlToDraft(html, 'html');
      const n = doc.text.split('\n').findIndex((l) => l.includes('](')) + 1;
      expect(() => parseDocument(doc)).toThrow(`Paragraph ${n} of the pasted text: expected ${expected}`);
    }
  });

  it('refuses a document with a table, naming the paragraph before it', async () => {
    const err = await refusalOf(docxToDraft(await aprilWithTable()));
    expect(err.message).toBe(
      'The Word document has a table after paragraph 4 of the Word document (“China rejects Gazprom offer of additional gas via Kazakhstan”): an issue cannot hold tables. Write its contents as lines of text (or delete it) and try again.',
    );
  });

  it('leaves images and footnotes out with a warning; the rest reads as before', async () => {
    const doc = await docxToDraft(await aprilWithImageAndFootnote());
    expect(doc.warnings.map((w) => [w.code, w.count])).toEqual([
      ['images-ignored', 1],
      ['footnotes-ignored', 1],
    ]);
    expect(doc.warnings[0]!.message).toBe('An image was left out: an issue carries no images.');
    // The logo's paragraph is an empty first line; the footnote's reference and text are gone.
    expect(doc.text).toBe(`\n${aprilDraftText(false, true)}`);
    expect(parseDraft(doc.text)).toEqual(crankCallApril2025);
  });

  it('names the paragraph of an error and quotes it, mapping the draft line back through line breaks', async () => {
    const { docx, paragraph, line, quoted } = await aprilWithError();
    const doc = await docxToDraft(docx);
    expect(doc.lineParagraph[line - 1]).toBe(paragraph);
    let err: unknown;
    try {
      parseDocument(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DocumentParseError);
    const e = err as DocumentParseError;
    expect(e.message).toBe(
      `Paragraph ${paragraph} of the Word document: expected a link line like “—What happened. (Source, Source)”: the sources in parentheses are missing, found “${quoted.length > 80 ? `${quoted.slice(0, 77)}...` : quoted}”`,
    );
    expect(e.details).toEqual({
      line,
      paragraph,
      expected: 'a link line like “—What happened. (Source, Source)”: the sources in parentheses are missing',
      found: quoted,
    });
  });

  it('refuses what is not a .docx with a message saying so (400)', async () => {
    const notZip = refusal(() => checkDocxArchive(Buffer.from('CRANK Call | April 2025\nnot a zip')));
    expect(notZip.message).toContain('The file is not a Word document (.docx)');
    expect(notZip.message).toContain('it is not a zip archive');
    const docx = await aprilDocx(false);
    const truncated = refusal(() => checkDocxArchive(docx.subarray(0, Math.floor(docx.length / 2))));
    expect(truncated.message).toContain('the zip archive is damaged');
    const garbled = Buffer.from(docx);
    garbled.fill(0x41, 200, 2000); // the first part's compressed bytes
    expect(refusal(() => checkDocxArchive(garbled)).message).toContain('the zip archive is damaged');
    const ole = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]);
    expect(refusal(() => checkDocxArchive(ole)).message).toContain('an older Word document (.doc)');
    const otherZip = zipOf([
      { name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.text') },
    ]);
    expect(refusal(() => checkDocxArchive(otherZip)).message).toContain('without word/document.xml');
  });

  it('refuses a zip bomb from what its parts really unpack to, not what they declare', () => {
    const huge = Buffer.alloc(MAX_DOCX_UNPACKED_BYTES + 1024, 0x20);
    const bomb = zipOf([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'word/document.xml', data: huge, deflate: true },
    ]);
    expect(bomb.length).toBeLessThan(100_000);
    // The declared size says 33 MB; a lying archive would say less: the inflated bytes are what count.
    bomb.writeUInt32LE(100, bomb.length - 22 - 46 - 'word/document.xml'.length + 24);
    expect(refusal(() => checkDocxArchive(bomb)).message).toBe(
      'The Word document unpacks to more than 32 MB: it is not an issue’s draft.'.replace('’', "'"),
    );
  });

  it('counts empty paragraphs as the document has them', async () => {
    const docx = await wordDocument([new Paragraph('First'), new Paragraph(''), new Paragraph('Third.')]);
    const doc = await docxToDraft(docx);
    expect(doc.text).toBe('First\n\nThird.');
    expect(doc.paragraphText).toEqual(['First', '', 'Third.']);
  });
});

describe('HTML paste (Word and Google Docs on the clipboard)', () => {
  it('reads Word clipboard HTML: MsoNormal paragraphs, list bullets, conditional comments, links', () => {
    const html = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8">
<style><!-- p.MsoNormal {margin:0in;} --></style></head><body lang=EN-US>
<!--StartFragment--><p class=MsoTitle>CRANK Call | April 2025<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal><b>Links<o:p></o:p></b></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-.25in;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]>—Chinese President Xi Jinping visited Russia for Victory Day. (<a
href="https://www.reuters.com/world/">Reuters</a>, <a href="https://www.globaltimes.cn/page/1.shtml"><span
style='color:#0563C1'>Global</span> <i>Times</i></a>)<o:p></o:p></p>
<p class=MsoNormal>Editor, Greg Priddy (<a href="mailto:gpriddy@cftni.org">gpriddy@cftni.org</a>)</p>
<!--EndFragment--></body></html>`;
    const doc = htmlToDraft(html);
    expect(doc.text).toBe(
      [
        'CRANK Call | April 2025',
        '',
        '**Links**',
        '—Chinese President Xi Jinping visited Russia for Victory Day. ([Reuters](https://www.reuters.com/world/), [Global Times](https://www.globaltimes.cn/page/1.shtml))',
        'Editor, Greg Priddy (gpriddy@cftni.org)',
      ].join('\n'),
    );
  });

  it('reads Google Docs clipboard HTML: the bold wrapper, styled spans, split links, redirect links, <br> lines', () => {
    const html = `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1a2b"><p dir="ltr" style="line-height:1.38;margin-top:0pt;"><span style="font-size:11pt;font-family:Arial;font-weight:700;">China rejects Gazprom offer</span></p><p dir="ltr" style="line-height:1.38;"><span style="font-size:11pt;">Amid increasing   financial strain, </span><a href="https://www.google.com/url?q=https://www.reuters.com/markets/x?a%3D1&amp;sa=D&amp;ust=1"><span style="font-size:11pt;text-decoration:underline;">China </span></a><a href="https://www.google.com/url?q=https://www.reuters.com/markets/x?a%3D1&amp;sa=D&amp;ust=1"><span style="font-size:11pt;font-style:italic;text-decoration:underline;">rejected</span></a><span style="font-size:11pt;"> the offer.</span></p><br><p dir="ltr"><span>See <a href="https://tass.com/economy/1">https://tass.com/economy/1</a> and <a href="https://example.org/a_(b)">this</a>.<br>Second line.</span></p></b>`;
    const doc = htmlToDraft(html);
    expect(doc.text).toBe(
      [
        '**China rejects Gazprom offer**',
        'Amid increasing financial strain, [China rejected](https://www.reuters.com/markets/x?a=1) the offer.',
        '',
        'See [https://tass.com/economy/1](https://tass.com/economy/1) and [this](https://example.org/a_(b)).',
        'Second line.',
      ].join('\n'),
    );
    expect(doc.lineParagraph).toEqual([1, 2, 3, 4, 4]);
    expect(doc.paragraphText[3]).toBe('See https://tass.com/economy/1 and this. Second line.');
  });

  it('merges a link Google Docs split in two, keeps spaces outside the brackets, escapes what cannot be written', () => {
    const doc = htmlToDraft(
      '<p><a href="https://a.example/x"><b>Global</b></a><a href="https://a.example/x"> Times </a>said [so]' +
        ' <a href="https://b.example/a b)">[1] note</a> and <a href="#_Toc1">a bookmark</a>' +
        ' <a href="javascript:alert(1)">bad</a></p>',
    );
    expect(doc.text).toBe(
      '[Global Times](https://a.example/x) said [so] [\\[1\\] note](https://b.example/a%20b%29) and a bookmark [bad](javascript:alert(1))',
    );
    // The escaped words read back as they were; javascript: is written as a link, so the draft parser
    // refuses it with the paragraph's number.
    expect(scanInline(doc.text, false, null)).toContainEqual({
      text: '[1] note',
      href: 'https://b.example/a%20b%29',
    });
  });

  it('reads hostile nesting in one pass: 50,000 open anchors, spans and unclosed tags', () => {
    const n = 50_000;
    const nested = `<p><a href="https://a.example/">x${'<a name="n">y'.repeat(n)}</p>`;
    const doc = htmlToDraft(nested);
    expect(doc.text).toBe(`[x${'y'.repeat(n)}](https://a.example/)`);
    const spans = htmlToDraft(`<p>${'<span><b><i>w '.repeat(n)}</p><p>Next.</p>`);
    expect(spans.text.split('\n')).toEqual([`***${'w '.repeat(n).trim()}***`, 'Next.']);
  });

  it('skips head, style and script content; refuses a table', () => {
    expect(htmlToDraft('<title>x</title><script>alert(1)</script><style>p{}</style><p>Text.</p>').text).toBe(
      'Text.',
    );
    expect(() => htmlToDraft('<p>One.</p><table><tr><td>cell</td></tr></table>')).toThrow(
      'The pasted text has a table after paragraph 1 of the pasted text (“One.”)',
    );
  });
});
