import { readFileSync } from 'fs';
import { parseDraft, formatDraft, toMarkdown, parseMarkdown } from '../../libs/core/src/editions';
import { crankCallApril2025 } from '../fixtures/crank-call-2025-04.expected';
it('x', () => {
  const t = readFileSync(__dirname + '/../fixtures/crank-call-2025-04.txt', 'utf8');
  const c = parseDraft(t);
  expect(c).toEqual(crankCallApril2025);
  expect(formatDraft(c)).toBe(t + '\n');
  console.log(toMarkdown(c));
  expect(parseMarkdown(toMarkdown(c))).toEqual(c);
});
