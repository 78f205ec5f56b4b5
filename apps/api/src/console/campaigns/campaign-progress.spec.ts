import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import * as server from '../../../assets/js/campaign-progress';
import { ASSET_DIR } from '../../pages/assets';
import { COMPLAINT_RATE_LIMIT, feedbackRates } from '@app/core';

type Module = typeof server;

/** The module as the browser loads it: a plain script in a context with no `module`, setting a global. */
function asBrowserLoadsIt(): Module {
  const window: { CampaignProgress?: Module } = {};
  const source = readFileSync(join(ASSET_DIR, 'js', 'campaign-progress.js'), 'utf8');
  runInNewContext(source, { globalThis: window, self: window, Date, Math, Object, isNaN, isFinite, String });
  if (!window.CampaignProgress) throw new Error('campaign-progress.js set no window.CampaignProgress');
  return window.CampaignProgress;
}

const NOW = Date.parse('2026-03-01T10:00:00Z');
const base = { total: 1000, pending: 400, startedAt: '2026-03-01T09:59:00Z', finishedAt: null };

describe('campaign-progress.js: the figures the server renders and the browser updates', () => {
  const browser = asBrowserLoadsIt();

  it.each([
    ['running', { rate: 10, rateBasis: 'average since start', etaText: '40 s (about 10:00 UTC)' }],
    ['paused', { rate: null, rateBasis: 'paused', etaText: 'paused' }],
    ['scheduled', { rate: null, rateBasis: 'not started', etaText: '—' }],
  ])('%s: rate, basis and time left', (status, expected) => {
    const c = { ...base, status };
    expect(server.progressOf(c, NOW)).toEqual({ done: 600, total: 1000, percent: 60, ...expected });
    expect(browser.progressOf(c, NOW)).toEqual(server.progressOf(c, NOW));
  });

  it('completed and cancelled: the average over the send, up to its end', () => {
    const done = { ...base, pending: 0, finishedAt: '2026-03-01T10:00:40Z' };
    expect(server.progressOf({ ...done, status: 'completed' }, NOW)).toMatchObject({
      percent: 100,
      rate: 10,
      rateBasis: 'average over the send',
      etaText: 'done',
    });
    expect(server.progressOf({ ...done, status: 'cancelled' }, NOW).rateBasis).toBe(
      'average until cancelled',
    );
  });

  it('a rate the live page measured replaces the average while running, and sets the time left', () => {
    const c = { ...base, status: 'running' };
    const measured = { rate: 100, basis: 'last 5 s' };
    expect(browser.progressOf(c, NOW, measured)).toEqual({
      done: 600,
      total: 1000,
      percent: 60,
      rate: 100,
      rateBasis: 'last 5 s',
      etaText: '4 s (about 10:00 UTC)',
    });
    expect(server.progressOf({ ...c, status: 'paused' }, NOW, measured).rate).toBeNull();
  });

  it('a running campaign whose recipient list is not written yet has no time left to tell, not "finishing"', () => {
    const starting = { ...base, status: 'running', total: 0, pending: 0 };
    const listing = { ...base, status: 'running', total: 50, pending: 0, fannedOutAt: null };
    const finishing = {
      ...base,
      status: 'running',
      total: 50,
      pending: 0,
      fannedOutAt: '2026-03-01T09:59:30Z',
    };
    for (const m of [server, browser]) {
      expect(m.progressOf(starting, NOW).etaText).toBe('not known yet (recipient list being written)');
      expect(m.progressOf(listing, NOW).etaText).toBe('not known yet (recipient list being written)');
      expect(m.progressOf(finishing, NOW).etaText).toBe('finishing');
      // a caller that does not know whether the list is complete (no fannedOutAt) keeps "finishing"
      expect(m.progressOf({ ...base, status: 'running', total: 50, pending: 0 }, NOW).etaText).toBe(
        'finishing',
      );
    }
  });

  it('formats rates, durations, times and the percent the same way on both sides', () => {
    for (const m of [server, browser]) {
      expect([m.formatRate(null), m.formatRate(12.34), m.formatRate(150.6)]).toEqual([
        '—',
        '12.3 msg/s',
        '151 msg/s',
      ]);
      expect([m.formatDuration(59), m.formatDuration(61), m.formatDuration(3725)]).toEqual([
        '59 s',
        '1 min 1 s',
        '1 h 2 min',
      ]);
      expect(m.formatTime('2026-03-01T09:05:59Z')).toBe('2026-03-01 09:05 UTC');
      expect(m.formatTime(null)).toBe('—');
      expect(m.progressText(m.progressOf({ ...base, total: 0, pending: 0, status: 'running' }, NOW))).toBe(
        'no recipients yet',
      );
      expect(m.progressText(m.progressOf({ ...base, total: 3, pending: 2, status: 'running' }, NOW))).toBe(
        '1 of 3 (33.3%)',
      );
      expect([m.statusClass('completed'), m.statusClass('running'), m.statusClass('toString')]).toEqual([
        'status-ok',
        '',
        '',
      ]);
    }
  });

  it('feedback: the rates in percent and the 0.3 % complaint limit, the same on both sides and as core says', () => {
    expect(server.COMPLAINT_RATE_LIMIT).toBe(COMPLAINT_RATE_LIMIT);
    for (const m of [server, browser]) {
      expect(m.feedbackOf({ bounceRate: null, complaintRate: null })).toEqual({
        bounceRateText: '—',
        complaintRateText: '—',
        complaintOverLimit: false,
        complaintNote: '',
      });
      expect(m.feedbackOf({ bounceRate: 0.0125, complaintRate: 0.0029 })).toMatchObject({
        bounceRateText: '1.25 %',
        complaintRateText: '0.29 %',
        complaintOverLimit: false,
      });
      expect(m.feedbackOf({ bounceRate: 0, complaintRate: 0.003 })).toEqual({
        bounceRateText: '0.00 %',
        complaintRateText: '0.30 %',
        complaintOverLimit: true,
        complaintNote: 'at or above the 0.3 % limit',
      });
    }
    // core's flag and the page's agree on the edge
    const rates = feedbackRates({ sent: 997, bounced: 0, complained: 3 });
    expect(rates.complaintRate).toBe(0.003);
    expect(
      server.feedbackOf({ bounceRate: rates.bounceRate, complaintRate: rates.complaintRate })
        .complaintOverLimit,
    ).toBe(true);
    expect(feedbackRates({ sent: 0, bounced: 0, complained: 0 })).toEqual({
      bounceRate: null,
      complaintRate: null,
    });
    expect(feedbackRates({ sent: 0, bounced: 2, complained: 0 })).toEqual({
      bounceRate: 1,
      complaintRate: null,
    });
  });
});
