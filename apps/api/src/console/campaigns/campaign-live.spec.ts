import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { ASSET_DIR } from '../../pages/assets';

/** The little of an element the live script touches. */
interface FakeElement {
  textContent: string;
  className: string;
  hidden: boolean;
  attrs: Record<string, string>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  removeAttribute(name: string): void;
}

function element(attrs: Record<string, string> = {}): FakeElement {
  return {
    textContent: '',
    className: '',
    hidden: false,
    attrs,
    getAttribute: (n) => attrs[n] ?? null,
    hasAttribute: (n) => n in attrs,
    removeAttribute: (n) => void delete attrs[n],
  };
}

/**
 * campaign-live.js as a browser runs it, against a page of fake elements and one poll answered with `campaign`
 * (a finished one, so the script stops after it): what it writes into the page.
 */
async function renderOnce(campaign: Record<string, unknown>): Promise<Record<string, FakeElement>> {
  const ids = [
    'campaign-status',
    'pause-reason',
    'live-error',
    'progress-text',
    'fanout-note',
    'started-at',
    'finished-at',
    'rate',
    'rate-basis',
    'eta',
    'bounce-rate',
    'complaint-rate',
    'complaint-note',
    'complaint-rate-box',
    ...['sent', 'failed', 'bounced', 'complained', 'lateBounces', 'skipped', 'pending', 'total'].map(
      (k) => `count-${k}`,
    ),
  ];
  const els: Record<string, FakeElement> = Object.fromEntries(ids.map((id) => [id, element()]));
  els['campaign-live'] = element({ 'data-poll-url': '/api/admin/campaigns/1', 'data-status': 'running' });
  let answered!: () => void;
  const done = new Promise<void>((resolve) => (answered = resolve));
  const window: Record<string, unknown> = {
    fetch: () =>
      Promise.resolve({
        status: 200,
        ok: true,
        json: () => Promise.resolve(campaign).finally(() => setTimeout(answered, 0)),
      }),
    setTimeout: (fn: () => void) => fn(),
  };
  const document = {
    hidden: false,
    getElementById: (id: string) => els[id] ?? null,
    querySelectorAll: () => [],
  };
  // the scripts read `window.X` and bare globals alike: both are the same object here, as in a browser
  const context = Object.assign(window, {
    window,
    document,
    self: window,
    globalThis: window,
    Date,
    Math,
    Object,
    isNaN,
    isFinite,
    String,
    Promise,
    Error,
  });
  for (const file of ['campaign-progress.js', 'campaign-live.js']) {
    runInNewContext(readFileSync(join(ASSET_DIR, 'js', file), 'utf8'), context);
  }
  await done;
  return els;
}

const base = {
  status: 'completed',
  total: 1000,
  pending: 0,
  sent: 990,
  failed: 0,
  bounced: 6,
  complained: 4,
  lateBounces: 5,
  skipped: 0,
  startedAt: '2026-03-01T09:59:00Z',
  finishedAt: '2026-03-01T10:00:00Z',
  fannedOutAt: '2026-03-01T09:59:01Z',
  pauseReason: null,
};

describe('campaign-live.js: the counts and feedback rates it writes into the page', () => {
  it('writes complained, late bounces and the rates, and flags a complaint rate at or above 0.3 %', async () => {
    const els = await renderOnce({ ...base, bounceRate: 0.006, complaintRate: 4 / 994 });
    expect(els['count-complained']!.textContent).toBe('4');
    expect(els['count-lateBounces']!.textContent).toBe('5');
    expect(els['count-bounced']!.textContent).toBe('6');
    expect(els['bounce-rate']!.textContent).toBe('0.60 %');
    expect(els['complaint-rate']!.textContent).toBe('0.40 %');
    expect(els['complaint-note']!.textContent).toBe('at or above the 0.3 % limit');
    expect(els['complaint-rate-box']!.className).toBe('over-limit');
  });

  it('clears the flag under the limit, and shows a dash before anything was delivered', async () => {
    const under = await renderOnce({ ...base, complained: 1, bounceRate: 0.006, complaintRate: 1 / 991 });
    expect(under['complaint-rate']!.textContent).toBe('0.10 %');
    expect(under['complaint-note']!.textContent).toBe('');
    expect(under['complaint-rate-box']!.className).toBe('');
    const none = await renderOnce({
      ...base,
      sent: 0,
      bounced: 0,
      complained: 0,
      bounceRate: null,
      complaintRate: null,
    });
    expect(none['bounce-rate']!.textContent).toBe('—');
    expect(none['complaint-rate']!.textContent).toBe('—');
  });
});
