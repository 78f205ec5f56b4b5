import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { draftFormatHtml, DRAFT_FORMAT_FILE } from './draft-format.page';

describe('the draft format page', () => {
  it('renders docs/draft-format.md: its title, headings and the example as code', () => {
    const page = draftFormatHtml().value;
    expect(DRAFT_FORMAT_FILE.endsWith(join('docs', 'draft-format.md'))).toBe(true);
    expect(page).toContain('<h1>The draft format (for editors)</h1>');
    expect(page).toMatch(/<h2[^>]*>A short example<\/h2>/);
    expect(page).toMatch(/<pre><code class="language-text">CRANK Call \| April 2025/);
  });

  it('is copied into the build where the page looks for it (nest-cli.json, from the api source root)', () => {
    const root = resolve(__dirname, '..', '..', '..', '..', '..');
    const cli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as {
      projects: { api: { sourceRoot: string; compilerOptions: { assets: { include: string }[] } } };
    };
    const api = cli.projects.api;
    const copied = api.compilerOptions.assets.map((a) =>
      relative(root, join(root, api.sourceRoot, a.include)),
    );
    expect(copied).toContain(join('docs', 'draft-format.md'));
    expect(relative(root, DRAFT_FORMAT_FILE)).toBe(join('docs', 'draft-format.md'));
  });

  it('shows raw HTML in the document as text and links only to http(s), mailto or an anchor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'draft-format-'));
    const file = join(dir, 'doc.md');
    writeFileSync(
      file,
      [
        '# Title',
        '',
        '<script>alert(1)</script>',
        '',
        'A [good](https://example.org/a?b=1&c=2) link, a [bad](javascript:alert(1)) one, ![img](x.png)',
        'and <b onclick="x()">inline</b> markup.',
      ].join('\n'),
    );
    const page = draftFormatHtml(file).value;
    expect(page).not.toMatch(/<script|<b |javascript:|<img/);
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page).toContain('<a href="https://example.org/a?b&#61;1&#38;c&#61;2">good</a>');
    expect(page).toContain(' a bad one');
  });
});
