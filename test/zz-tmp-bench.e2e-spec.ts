import { SMTPServer } from 'smtp-server';
import { CAMPAIGN_TEST_ENV, createEdition, seedAudience, startCampaign, waitForCampaign } from './campaign.fixtures';
import { Harness } from './helpers/harness';

const N = Number(process.env.BENCH_N ?? 10000);
const W = Number(process.env.BENCH_WORKERS ?? 2);

it('bench', async () => {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, _s, cb) { stream.on('data', () => undefined); stream.on('end', () => { count++; cb(null, 'Ok'); }); },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  const h = await Harness.start({ env: { ...CAMPAIGN_TEST_ENV, ...(process.env.BENCH_ENV ? JSON.parse(process.env.BENCH_ENV) : {}) } });
  try {
    for (let i = 0; i < W; i++) await h.spawnWorker({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    await seedAudience(h, 'bench', N);
    const ed = await createEdition(h, '2025-04');
    const t0 = Date.now();
    const c = await startCampaign(h, ed);
    await waitForCampaign(h, c.id, (x) => x.status === 'completed', 'completed', 300000);
    const s = (Date.now() - t0) / 1000;
    console.log(`[bench] ${N} msgs, ${W} workers: ${s.toFixed(2)} s = ${(N / s).toFixed(0)} msg/s; sink got ${count}`);
  } finally {
    await h.stop();
    server.close();
  }
}, 600000);
