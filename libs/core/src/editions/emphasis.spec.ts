import { type EditionContent, type Inline, normalizeContent, normalizeInline } from '@app/content';
import { renderEdition } from '@app/email';
import { crankCallApril2025 } from '../../../../test/fixtures/crank-call-2025-04.expected';
import { emphasisDocx } from '../../../../test/fixtures/word-drafts';
import { UnprocessableError } from '../common/domain.errors';
import { docxToDraft, formatDraft, htmlToDraft, parseDraft, parseMarkdown, toMarkdown } from './index';
import { draftInline, plainField, plainFieldDraft, scanInline } from './inline.parser';

/** A line read as running text, the way the parser stores it. */
const read = (line: string): Inline => normalizeInline(scanInline(line, false, null));

describe('bold and italic in a text draft', () => {
  it('reads **strong** and *em*, flat and crossing, with links inside', () => {
    expect(read('A **bold** and *italic* word.')).toEqual([
      'A ',
      { text: 'bold', strong: true },
      ' and ',
      { text: 'italic', em: true },
      ' word.',
    ]);
    expect(read('***both*** then **a *b** c*')).toEqual([
      { text: 'both', strong: true, em: true },
      ' then ',
      { text: 'a', strong: true },
      ' ',
      { text: 'b', strong: true, em: true },
      ' ',
      { text: 'c', em: true },
    ]);
    expect(read('See **[Reuters](https://www.reuters.com/x)** now.')).toEqual([
      'See ',
      { text: 'Reuters', href: 'https://www.reuters.com/x', strong: true },
      ' now.',
    ]);
  });

  it('keeps as text what is no emphasis: spaced marks, a lone or unclosed mark, escaped marks', () => {
    for (const text of ['2 * 3 = 6', 'a ** b', '*', '**', '5*', 'x * y*', '*unclosed', '**unclosed *too']) {
      expect(read(text)).toBe(text);
    }
    expect(read('\\*not\\* and \\*\\*not\\*\\*')).toBe('*not* and **not**');
    // an unclosed strong around closed emphasis: the emphasis stays, the "**" is text again
    expect(read('**a *b* c')).toEqual(['**a ', { text: 'b', em: true }, ' c']);
  });

  it('marks never reach into a link: a "*" in an address or in the words is the link’s', () => {
    expect(read('[a*b](https://x.example/*y*) *c*')).toEqual([
      { text: 'a*b', href: 'https://x.example/*y*' },
      ' ',
      { text: 'c', em: true },
    ]);
  });

  it('writes emphasis back so that it reads back, spaces outside the marks', () => {
    const cases: Inline[] = [
      ['A ', { text: 'bold', strong: true }, ' word.'],
      [
        { text: 'a', em: true },
        { text: 'b', strong: true },
      ],
      [{ text: 'a', strong: true }, { text: 'b', em: true }, { text: 'c', strong: true, em: true }, 'd'],
      [{ text: '5 * 3', strong: true }, ' is ', { text: '*15*', em: true }],
      ['back\\', { text: 'slash', em: true }, '\\'],
      [
        { text: 'link', href: 'https://x.example/', strong: true, em: true },
        ' and ',
        { text: 'x', em: true },
      ],
    ];
    for (const value of cases) {
      const written = draftInline(normalizeInline(value));
      expect(read(written)).toEqual(normalizeInline(value));
    }
    expect(draftInline(normalizeInline(['A', { text: ' bold ', strong: true }, 'word']))).toBe(
      'A **bold** word',
    );
  });

  it('fields without emphasis (subject, description, headings, masthead) drop the marks', () => {
    expect(plainField('**Links**')).toBe('Links');
    expect(plainField('*Editor, Greg Priddy (gpriddy@cftni.org)*')).toBe(
      'Editor, Greg Priddy (gpriddy@cftni.org)',
    );
    expect(plainField('2 * 3 and [x](y) \\[')).toBe('2 * 3 and [x](y) \\[');
    for (const text of ['a*b*c', '\\*', 'a\\', 'a\\*b', '**', '* lone']) {
      expect(plainField(plainFieldDraft(text))).toBe(text);
    }
  });
});

describe('emphasis in content: export, Markdown, rendering', () => {
  function withEmphasis(): EditionContent {
    const c = structuredClone(crankCallApril2025);
    c.subject = 'CRANK Call | April 2025';
    c.description = 'A *star* description with 2 * 3 in it.';
    c.highlights[0]!.paragraphs[0] = [
      'China has ',
      { text: 'reportedly', em: true },
      ' rejected the ',
      { text: 'Russian firm’s offer', strong: true },
      ' via ',
      { text: 'Kazakhstan', href: 'https://en.wikipedia.org/wiki/Kazakhstan', em: true },
      '.',
    ];
    c.links[0]!.text = [{ text: 'Xi Jinping', strong: true }, ' visited Russia for Victory Day.'];
    c.masthead[0]!.name = 'Paul *Saunders*';
    return normalizeContent(c);
  }

  it('formatDraft and toMarkdown write it, parseDraft and parseMarkdown read it back', () => {
    const c = withEmphasis();
    const text = formatDraft(c);
    expect(text).toContain('China has *reportedly* rejected the **Russian firm’s offer** via *[Kazakhstan](');
    expect(text).toContain('\n—**Xi Jinping** visited Russia for Victory Day. (Reuters, Global Times)\n');
    expect(text).toContain('\nA \\*star\\* description with 2 \\* 3 in it.\n');
    expect(parseDraft(text)).toEqual(c);
    expect(parseMarkdown(toMarkdown(c))).toEqual(c);
  });

  it('refuses (422) running text the draft cannot write, never writes it wrong', () => {
    const c = structuredClone(crankCallApril2025);
    c.highlights[0]!.paragraphs[0] = ['A ', { text: 'line\nbreak', strong: true }, '.'];
    expect(() => formatDraft(c)).toThrow(UnprocessableError);
  });

  it('renders <strong> and <em> in the HTML part, the words alone in the text part', async () => {
    const sender = { name: 'CRANK Call', address: 'crank@example.org' };
    const { html, text } = await renderEdition(withEmphasis(), { sender });
    expect(html).toContain('<em>reportedly</em>');
    expect(html).toContain('<strong>Russian firm’s offer</strong>');
    expect(html).toMatch(
      /<a [^>]*href="https:\/\/en\.wikipedia\.org\/wiki\/Kazakhstan"[^>]*><em>Kazakhstan<\/em><\/a>/,
    );
    expect(text).toContain(
      'China has reportedly rejected the Russian firm’s offer via Kazakhstan <https://en.wikipedia.org/wiki/Kazakhstan>.',
    );
    expect(text).not.toContain('*reportedly*');
    expect(text).not.toContain('**');
  });
});

describe('bold and italic from Word and pasted HTML', () => {
  it('keeps <b>, <strong>, <i>, <em> and Google Docs’ weight and style spans; not the bold wrapper', () => {
    const html =
      '<b style="font-weight:normal" id="docs-internal-guid-1"><p>Plain <b>bold</b> and <i>italic</i>, ' +
      '<span style="font-weight:700">heavy</span> <span style="font-style:italic">slanted</span> ' +
      '<strong><a href="https://tass.com/x">a bold link</a></strong> and <em>*stars*</em>.</p></b>';
    expect(htmlToDraft(html).text).toBe(
      'Plain **bold** and *italic*, **heavy** *slanted* **[a bold link](https://tass.com/x)** and *\\*stars\\**.',
    );
  });

  it('reads a Word document’s bold and italic words in a story into emphasis, and bold headings as headings', async () => {
    const doc = await docxToDraft(await emphasisDocx());
    const content = parseDraft(doc.text);
    expect(content.highlights[0]!.paragraphs[0]).toEqual([
      'Amid ',
      { text: 'increasing financial strain', em: true },
      ' on Gazprom, China has ',
      { text: 'rejected', strong: true },
      ' the offer.',
    ]);
    expect(content.links.map((l) => l.text)).toEqual(crankCallApril2025.links.map((l) => l.text));
  });
});
