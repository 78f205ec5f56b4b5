import request from 'supertest';
import { Harness } from './helpers/harness';

describe('foundation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ workers: 1 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('applies the migrations to a fresh database', async () => {
    const rows = await h.query<{ name: string }>('SELECT name FROM schema_migrations');
    expect(rows.map((r) => r.name)).toContain('InitialSchema1764270000000');
    const pubs = await h.query<{ name: string }>('SELECT name FROM publication');
    expect(pubs).toEqual([{ name: 'CRANK Call' }]);
  });

  it('answers unknown routes with a JSON 404 and no stack trace', async () => {
    const res = await request(h.baseUrl).get('/api/nope');
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js/);
  });

  it('started a real worker process', () => {
    expect(h.workers[0]?.exitCode).toBeNull();
  });
});
