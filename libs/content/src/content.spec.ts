import { issueLabel, mastheadHeading, MONTH_NAMES, perspectivesTitle } from '@app/content';

describe('issue labels', () => {
  it('turns a month slug into "Month YYYY" for every month', () => {
    expect(MONTH_NAMES).toHaveLength(12);
    expect(issueLabel('2025-04')).toBe('April 2025');
    expect(issueLabel('2024-01')).toBe('January 2024');
    expect(issueLabel('2024-12')).toBe('December 2024');
  });

  it('leaves anything that is not a month slug unchanged', () => {
    for (const s of ['2025-13', '2025-00', '2025-4', 'April 2025', '', '12025-04'])
      expect(issueLabel(s)).toBe(s);
  });
});

describe('section titles', () => {
  it('names the perspectives after the publication’s first word', () => {
    expect(perspectivesTitle('CRANK Call')).toBe('CRANK Perspectives');
    expect(perspectivesTitle('Digest')).toBe('Digest Perspectives');
    expect(perspectivesTitle('')).toBe('Perspectives');
  });

  it('heads the masthead with its own title, or the publication’s name when the draft gives none', () => {
    expect(mastheadHeading({ mastheadTitle: 'The team', publicationName: 'Digest' })).toBe('The team');
    expect(mastheadHeading({ mastheadTitle: '', publicationName: 'Digest' })).toBe('Digest');
  });
});
