import { UserRole } from '@app/database';
import { boardRefusal } from './queues-board';

const admin = (method: string, path: string) => boardRefusal(UserRole.Admin, method, path);

describe('queue board permissions', () => {
  it('lets admin and ops read everything', () => {
    for (const role of [UserRole.Admin, UserRole.Ops]) {
      for (const path of ['/', '/api/queues', '/api/queues/mail/12', '/queue/mail', '/static/x.js']) {
        expect(boardRefusal(role, 'GET', path)).toBeUndefined();
        expect(boardRefusal(role, 'HEAD', path)).toBeUndefined();
      }
    }
  });

  it('refuses every write from ops', () => {
    for (const [method, path] of [
      ['PUT', '/api/queues/mail/pause'],
      ['PUT', '/api/queues/mail/12/retry'],
      ['POST', '/api/queues/mail/add'],
      ['DELETE', '/api/queues/mail/12'],
    ]) {
      expect(boardRefusal(UserRole.Ops, method!, path!)).toMatch(/read-only for your role \(ops\)/);
    }
  });

  it("allows an admin's retry, promote, clean of finished jobs, pause and resume", () => {
    for (const path of [
      '/api/queues/pause',
      '/api/queues/resume',
      '/api/queues/mail/pause',
      '/api/queues/delivery/resume',
      '/api/queues/campaign/promote',
      '/api/queues/mail/retry/failed',
      '/api/queues/mail/retry/completed',
      '/api/queues/mail/clean/failed',
      '/api/queues/mail/clean/completed',
      '/api/queues/mail/42/retry',
      '/api/queues/campaign/c12-start/promote',
      '/api/queues/campaign/c12-check%3A99/clean',
    ]) {
      expect({ path, refusal: admin('PUT', path) }).toEqual({ path, refusal: undefined });
    }
  });

  it('refuses adding, editing, emptying and anything it does not know, for admin too', () => {
    for (const [method, path] of [
      ['POST', '/api/queues/mail/add'],
      ['PUT', '/api/queues/mail/add'],
      ['PATCH', '/api/queues/mail/12/update-data'],
      ['PATCH', '/api/queues/mail/12/delay'],
      ['PATCH', '/api/queues/mail/12/priority'],
      ['PUT', '/api/queues/mail/empty'],
      ['PUT', '/api/queues/mail/obliterate'],
      ['PUT', '/api/queues/mail/concurrency'],
      ['PUT', '/api/queues/mail/rate-limit'],
      ['PUT', '/api/queues/mail/clean/wait'],
      ['PUT', '/api/queues/mail/clean/delayed'],
      ['PUT', '/api/queues/mail/retry/wait'],
      ['PUT', '/api/queues/mail/job-schedulers/x/run'],
      ['PUT', '/api/queues/other/pause'],
      ['PUT', '/api/queues/mail/pause/'],
      ['PUT', '/api/queues/mail/12/retry/more'],
      ['POST', '/api/metrics/history/purge'],
      // job ids that are route words: Express (case-insensitive, first route wins) would run another handler
      ['PUT', '/api/queues/mail/clean/retry'],
      ['PUT', '/api/queues/mail/Clean/clean'],
      ['PUT', '/api/queues/mail/%63lean/retry'],
      ['PUT', '/api/queues/mail/%E0%A4%A/retry'],
    ]) {
      expect({ path, refusal: admin(method!, path!) }).toEqual({
        path,
        refusal: expect.stringMatching(/not available on the board/),
      });
    }
  });
});
