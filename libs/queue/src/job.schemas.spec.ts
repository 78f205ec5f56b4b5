import { checkJobPayload, JOB_SCHEMAS, MAX_TEST_RECIPIENTS } from './job.schemas';
import { JobName } from './queue.constants';

const bad = (name: JobName, data: unknown): string => {
  const r = checkJobPayload(name, data);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(data)}`);
  return r.reason;
};

/** Shapes no producer makes: wrong types, missing or extra fields, ids that are not positive integers. */
const NOT_IDS: unknown[] = [0, -1, 1.5, '1', null, undefined, Number.MAX_SAFE_INTEGER + 1, NaN, [], {}];

describe('job payload schemas', () => {
  it('has one schema per job name', () => {
    expect(Object.keys(JOB_SCHEMAS).sort()).toEqual(Object.values(JobName).sort());
  });

  for (const [name, field] of [
    [JobName.SendConfirmation, 'subscriberId'],
    [JobName.SendWelcome, 'subscriberId'],
    [JobName.StartCampaign, 'campaignId'],
    [JobName.FanOutCampaign, 'campaignId'],
    [JobName.CheckCampaign, 'campaignId'],
  ] as const) {
    it(`${name}: { ${field}: positive integer } and nothing else`, () => {
      expect(checkJobPayload(name, { [field]: 42 })).toEqual({ ok: true, payload: { [field]: 42 } });
      for (const v of NOT_IDS)
        expect(bad(name, { [field]: v })).toMatch(new RegExp(`^invalid ${name} payload: ${field}: `));
      expect(bad(name, {})).toMatch(field);
      expect(bad(name, { [field]: 1, other: 2 })).toMatch(/other/);
      expect(bad(name, null)).toMatch(/expected object/);
      expect(bad(name, [1])).toMatch(/expected object/);
    });
  }

  it('fan-out-range: a campaign id and a range id, both positive integers, and nothing else', () => {
    const ok = { campaignId: 3, rangeId: 7 };
    expect(checkJobPayload(JobName.FanOutRange, ok)).toEqual({ ok: true, payload: ok });
    for (const v of NOT_IDS) {
      expect(bad(JobName.FanOutRange, { campaignId: 3, rangeId: v })).toMatch(
        /^invalid fan-out-range payload: rangeId: /,
      );
      expect(bad(JobName.FanOutRange, { campaignId: v, rangeId: 7 })).toMatch(
        /^invalid fan-out-range payload: campaignId: /,
      );
    }
    // The range's bounds come from the database, never from the job.
    expect(bad(JobName.FanOutRange, { ...ok, first: 1, last: 1_000_000 })).toMatch(/first/);
    expect(bad(JobName.FanOutRange, { campaignId: 3 })).toMatch(/rangeId/);
  });

  it('send-test: an edition id and 1..10 single addresses', () => {
    const ok = { editionId: 3, to: ['a@example.org', 'b@example.org'] };
    expect(checkJobPayload(JobName.SendTest, ok)).toEqual({ ok: true, payload: ok });
    const ten = Array.from({ length: MAX_TEST_RECIPIENTS }, (_, i) => `t${i}@example.org`);
    expect(checkJobPayload(JobName.SendTest, { editionId: 3, to: ten }).ok).toBe(true);

    const many = Array.from({ length: 200 }, (_, i) => `x${i}@example.net`);
    expect(bad(JobName.SendTest, { editionId: 3, to: many })).toMatch(/^invalid send-test payload: to: .*10/);
    expect(bad(JobName.SendTest, { editionId: 3, to: [...ten, 'eleven@example.org'] })).toMatch(
      /^invalid send-test payload: to: /,
    );
    expect(bad(JobName.SendTest, { editionId: 3, to: [] })).toMatch(/to: /);
    expect(bad(JobName.SendTest, { editionId: 3, to: 'a@example.org' })).toMatch(/to: .*expected array/);
    for (const several of [
      'x1@example.net, x2@example.net',
      'x1@example.net,x2@example.net',
      'x1@example.net;x2@example.net',
      'X <x1@example.net>',
      'x1@example.net\r\nBcc: x2@example.net',
    ]) {
      expect(bad(JobName.SendTest, { editionId: 3, to: [several] })).toMatch(
        /^invalid send-test payload: to\.0: must be one address/,
      );
    }
    expect(bad(JobName.SendTest, { editionId: 3, to: [`${'a'.repeat(250)}@example.org`] })).toMatch(
      /to\.0: /,
    );
    expect(bad(JobName.SendTest, { editionId: 3, to: [7] })).toMatch(/to\.0: /);
    expect(bad(JobName.SendTest, { editionId: 0, to: ['a@example.org'] })).toMatch(/editionId: /);
    expect(bad(JobName.SendTest, { to: ['a@example.org'] })).toMatch(/editionId: /);
    expect(bad(JobName.SendTest, { editionId: 3, to: ['a@example.org'], bcc: ['b@example.org'] })).toMatch(
      /bcc/,
    );
  });

  it('deliver-batch: a campaign id and a non-empty list of delivery ids', () => {
    const ok = { campaignId: 2, deliveryIds: [1, 2, 3] };
    expect(checkJobPayload(JobName.DeliverBatch, ok)).toEqual({ ok: true, payload: ok });
    expect(bad(JobName.DeliverBatch, { campaignId: 2, deliveryIds: [] })).toMatch(/deliveryIds: /);
    expect(bad(JobName.DeliverBatch, { campaignId: 2, deliveryIds: [1, '2'] })).toMatch(/deliveryIds\.1: /);
    expect(bad(JobName.DeliverBatch, { campaignId: 2, deliveryIds: [1, -2] })).toMatch(/deliveryIds\.1: /);
    expect(bad(JobName.DeliverBatch, { campaignId: 2, deliveryIds: new Array(100_001).fill(1) })).toMatch(
      /deliveryIds: /,
    );
    expect(bad(JobName.DeliverBatch, { campaignId: '2', deliveryIds: [1] })).toMatch(/campaignId: /);
    expect(bad(JobName.DeliverBatch, { deliveryIds: [1] })).toMatch(/campaignId: /);
  });

  it('names at most three problems', () => {
    const reason = bad(JobName.DeliverBatch, { campaignId: 2, deliveryIds: ['a', 'b', 'c', 'd', 'e'] });
    expect(reason).toMatch(/deliveryIds\.0: .*deliveryIds\.1: .*deliveryIds\.2: .*\(and 2 more\)$/);
  });
});
