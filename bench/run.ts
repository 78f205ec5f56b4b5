/**
 * `npm run bench`: runs every benchmark and prints a table; writes bench/results/latest.json.
 * Each figure is reported next to a baseline measured in the same run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { runCsvImportBench } from './csv-import.bench';
import { runRenderBench } from './render.bench';

async function main(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const render = await runRenderBench(smoke ? { renderRuns: 3, recipientRuns: 500 } : undefined);
  const csv = await runCsvImportBench({ rows: smoke ? 2000 : 100_000 });
  const rows: [string, string][] = [
    [`CSV import ${csv.rows} rows (first import)`, `${csv.rowsPerSecond} rows/s`],
    ['CSV re-import of the same file (no changes)', `${csv.reimportSeconds.toFixed(2)} s`],
    ['render edition once (median)', `${render.renderMedianMs.toFixed(2)} ms`],
    ['personalize one recipient html+text (median)', `${render.personalizeMedianUs.toFixed(2)} µs`],
    ['build one raw MIME message (median)', `${render.mimeBuildMedianUs.toFixed(2)} µs`],
    ['April HTML size (Gmail clips at 102 kB)', `${render.htmlBytes} bytes`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  const out = {
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    smoke,
    render,
    csv,
  };
  const dir = join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, smoke ? 'smoke.json' : 'latest.json'), JSON.stringify(out, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
