import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crankCallApril2025 } from '../../../../../test/fixtures/crank-call-2025-04.expected';
import { parseDraft } from '../draft.parser';
import { CRANK_CALL_2025_04_DRAFT } from './crank-call-2025-04.seed';

describe('embedded April 2025 seed draft', () => {
  it('is exactly the fixture the editors wrote', () => {
    const fixture = readFileSync(
      join(__dirname, '../../../../../test/fixtures/crank-call-2025-04.txt'),
      'utf8',
    );
    expect(CRANK_CALL_2025_04_DRAFT).toBe(fixture);
  });

  it('parses to the hand-written April structure', () => {
    expect(parseDraft(CRANK_CALL_2025_04_DRAFT)).toEqual(crankCallApril2025);
  });
});
