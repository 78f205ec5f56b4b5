import { crankCallApril2025 as april } from '../../../test/fixtures/crank-call-2025-04.expected';
import {
  crankCallApril2025WithLinks as linked,
  LINKS,
} from '../../../test/fixtures/crank-call-2025-04-links';
import type { EditionContent } from '@app/content';
import { renderEdition, textInline } from './render';
import { colors } from './templates/theme';

const sender = { name: 'CRANK Call', address: '1025 Connecticut Ave NW, Washington, DC 20036' };

/** The <a> elements of an HTML document whose text is `text`, as their opening tags. */
function anchorsTo(html: string, text: string): string[] {
  const out: string[] = [];
  for (let at = html.indexOf(`>${text}</a>`); at >= 0; at = html.indexOf(`>${text}</a>`, at + 1)) {
    out.push(html.slice(html.lastIndexOf('<a ', at), at + 1));
  }
  return out;
}

describe('rendering links (issue 14)', () => {
  let html = '';
  let text = '';
  beforeAll(async () => {
    ({ html, text } = await renderEdition(linked, { sender }));
  });

  it('links the words in the HTML part, underlined in the issue’s accent colour', () => {
    const [a] = anchorsTo(html, 'stated on April 8');
    expect(a).toBeDefined();
    expect(a).toContain(`href="${LINKS.rudenko.replace(/&/g, '&amp;')}"`);
    expect(a).toContain('class="cc-accent"'); // the dark-mode accent follows the class
    expect(a).toMatch(new RegExp(`style="color:${colors.accent};[^"]*text-decoration:underline"`));
    expect(anchorsTo(html, 'Kursk Oblast')[0]).toContain(`href="${LINKS.kursk}"`);
    // linked sources inside the muted parentheses, the plain one beside them
    expect(anchorsTo(html, 'Global Times')[0]).toContain(`href="${LINKS.globalTimes}"`);
    expect(anchorsTo(html, 'TASS')[0]).toContain(`href="${LINKS.tassBridge}"`);
    expect(html).toMatch(/>\(Reuters\)<\/span>/); // an unlinked "(Reuters)" stays one text
    // linked analysis and perspectives titles keep the title's weight
    const [title] = anchorsTo(html, 'Why China should welcome a US-Iran thaw');
    expect(title).toContain(`href="${LINKS.thinkChina}"`);
    expect(title).toContain('font-weight:700');
  });

  it('writes "words <address>" in the text part, next to what it supports', () => {
    expect(text).toContain(
      `Russian Deputy Foreign Minister Andrei Rudenko stated on April 8 <${LINKS.rudenko}>, in remarks`,
    );
    expect(text).toContain(`back in Kursk Oblast <${LINKS.kursk}>.`);
    expect(text).toContain(`(Reuters <${LINKS.reutersXi}>, Global Times <${LINKS.globalTimes}>)`);
    expect(text).toContain(
      `China-Russia Alignment – a Shared Vision, Without Fully Seeing Eye to Eye <${LINKS.mercator}>\n   Claus Soong`,
    );
    expect(text).toContain('(Sputnik, South China Morning Post)');
    expect(textInline([{ text: 'https://a.example/', href: 'https://a.example/' }])).toBe(
      '<https://a.example/>',
    );
  });

  // (Checked once against the renderer before links, commit 4d29db5: the April issue's HTML and text, both
  // variants, are byte for byte the same.)
  it('renders an issue without links as one text per element, with no link of its own', async () => {
    const plain = await renderEdition(april, { sender });
    expect(plain.html).not.toContain('<!-- -->');
    expect(html).not.toContain('<!-- -->'); // links do not split the text around them either
    expect(plain.html).not.toMatch(/href="https:\/\/(?!crank)/);
  });

  it('escapes hostile link words and addresses, and never writes a refused scheme even if stored', async () => {
    const evil: EditionContent = {
      ...april,
      highlights: [
        {
          headline: [
            'Evil ',
            { text: '<script>alert(1)</script>', href: 'https://x.example/"><script>alert(2)</script>' },
          ],
          paragraphs: [
            [
              'A ',
              { text: 'click', href: 'javascript:alert(3)' },
              ' and ',
              { text: 'data', href: 'data:text/html,x' },
              '.',
            ],
          ],
        },
      ],
      links: [{ text: 'Text.', sources: [{ name: '<b>Reuters</b>', url: 'https://r.example/?a=1&b=<2>' }] }],
      analysis: [{ title: 'T "quoted"', attribution: 'A', url: 'vbscript:x' }],
    };
    const out = await renderEdition(evil, { sender });
    expect(out.html).not.toContain('<script>');
    expect(out.html).not.toMatch(/href="(javascript|data|vbscript):/i);
    expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</a>');
    expect(out.html).toContain('href="https://x.example/&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
    expect(out.html).toContain('href="https://r.example/?a=1&amp;b=&lt;2&gt;"');
    expect(out.html).toContain('&lt;b&gt;Reuters&lt;/b&gt;</a>');
  });
});
