import { AppConfig } from '@app/config';
import { useTestDataSource } from '@app/testing/test-data-source';
import { crankCallAprilSeeder } from './seed';

describe('seed: the April 2025 draft', () => {
  const ds = useTestDataSource();
  const config = AppConfig.fromEnvironment({ SECRET_KEY: 'x'.repeat(32) });
  const lines: string[] = [];
  const run = () => crankCallAprilSeeder.run({ ds: ds(), config, log: (l) => lines.push(l) });
  const editions = () =>
    ds().query<{ slug: string; status: string; publication_id: number }[]>(
      'SELECT slug, status, publication_id FROM edition',
    );

  it('saves the draft in the publication it names, once however often it runs', async () => {
    await run();
    await run();
    expect(await editions()).toEqual([{ slug: '2025-04', status: 'draft', publication_id: 1 }]);
    expect(lines.at(-1)).toMatch(/^edition 2025-04 \(“CRANK Call \| April 2025”\) saved as draft #\d+$/);
  });

  it('leaves a month that is no longer a draft alone', async () => {
    await ds().query(`UPDATE edition SET status = 'sent' WHERE slug = '2025-04'`);
    await run();
    expect(lines.at(-1)).toBe('edition 2025-04 is sent: left as it is');
    expect(await editions()).toEqual([{ slug: '2025-04', status: 'sent', publication_id: 1 }]);
  });

  it('seeds nothing when no publication has the name the draft gives', async () => {
    await ds().query(`DELETE FROM edition`);
    await ds().query(`UPDATE publication SET name = 'Another Gazette'`);
    await run();
    expect(lines.at(-1)).toBe('no publication is named “CRANK Call”: nothing seeded');
    expect(await editions()).toEqual([]);
  });
});
