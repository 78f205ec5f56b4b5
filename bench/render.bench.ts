/**
 * Rendering benchmark for the April 2025 edition of CRANK Call.
 *
 *   npm run bench  (bench/run.ts calls runRenderBench)
 *
 * Prints the median time to render the edition once (React Email, html + text), the median time to
 * personalize it for one recipient (html + text splice) and to build one raw MIME message from the compiled
 * template, and the HTML size. runRenderBench() returns the same figures for a bench runner.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseDraft } from '../libs/core/src/editions/draft.parser';
import { compileMimeTemplate } from '../libs/email/src/mime-template';
import { compilePersonalizer, renderEdition } from '../libs/email/src/render';

export interface RenderBenchResult {
  /** Median wall time of one renderEdition() (HTML via React Email + plain text), in ms. */
  renderMedianMs: number;
  /** Median time to splice one recipient's URLs into html + text, in microseconds. */
  personalizeMedianUs: number;
  /** Median time to build one complete raw MIME message (Buffer) from the compiled template, in microseconds. */
  mimeBuildMedianUs: number;
  /** One-off cost of compileMimeTemplate() for the edition, in ms. */
  mimeCompileMs: number;
  htmlBytes: number;
  textBytes: number;
  rawMessageBytes: number;
  renderRuns: number;
  recipientRuns: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const now = () => process.hrtime.bigint();
const elapsedNs = (start: bigint) => Number(process.hrtime.bigint() - start);

export async function runRenderBench(
  opts: { renderRuns?: number; recipientRuns?: number } = {},
): Promise<RenderBenchResult> {
  const renderRuns = opts.renderRuns ?? 10;
  const recipientRuns = opts.recipientRuns ?? 10_000;
  const content = parseDraft(
    readFileSync(join(process.cwd(), 'test/fixtures/crank-call-2025-04.txt'), 'utf8'),
  );
  const renderOpts = {
    sender: {
      name: 'Center for the National Interest',
      address: '1025 Connecticut Ave NW, Suite 1200, Washington, DC 20036',
    },
  };

  await renderEdition(content, renderOpts); // warm-up (module init, JIT)
  const renderTimes: number[] = [];
  let rendered = await renderEdition(content, renderOpts);
  for (let i = 0; i < renderRuns; i++) {
    const t = now();
    rendered = await renderEdition(content, renderOpts);
    renderTimes.push(elapsedNs(t) / 1e6);
  }

  const urls = (i: number) => ({
    unsubscribeUrl: `https://crank.example.org/unsubscribe?t=${(i * 2654435761).toString(36)}abcdefghijkl`,
    preferencesUrl: `https://crank.example.org/preferences?t=${(i * 2654435761).toString(36)}abcdefghijkl`,
    webUrl: 'https://crank.example.org/archive/2025-04',
  });

  const personalizer = compilePersonalizer(rendered);
  const warm = Math.min(1000, recipientRuns);
  for (let i = 0; i < warm; i++) personalizer.render(urls(i));
  const personalizeTimes: number[] = new Array<number>(recipientRuns);
  let sink = 0;
  for (let i = 0; i < recipientRuns; i++) {
    const values = urls(i);
    const t = now();
    const out = personalizer.render(values);
    personalizeTimes[i] = elapsedNs(t) / 1e3;
    sink += out.html.length;
  }

  let t = now();
  const template = compileMimeTemplate({
    from: { name: 'CRANK Call', address: 'crank@cftni.org' },
    subject: content.subject,
    html: rendered.html,
    text: rendered.text,
    headers: { 'List-Id': 'CRANK Call <crank-call.cftni.org>' },
  });
  const mimeCompileMs = elapsedNs(t) / 1e6;
  const date = new Date();
  const recipient = (i: number) => ({
    to: { name: `Reader ${i}`, address: `reader${i}@example.org` },
    date,
    ...urls(i),
  });
  for (let i = 0; i < warm; i++) template.render(recipient(i));
  const mimeTimes: number[] = new Array<number>(recipientRuns);
  let rawMessageBytes = 0;
  for (let i = 0; i < recipientRuns; i++) {
    const values = recipient(i);
    t = now();
    const raw = template.render(values);
    mimeTimes[i] = elapsedNs(t) / 1e3;
    rawMessageBytes = raw.length;
  }
  if (sink < 0) console.log(sink); // keep the personalize results alive

  return {
    renderMedianMs: round(median(renderTimes), 2),
    personalizeMedianUs: round(median(personalizeTimes), 2),
    mimeBuildMedianUs: round(median(mimeTimes), 2),
    mimeCompileMs: round(mimeCompileMs, 2),
    htmlBytes: Buffer.byteLength(rendered.html),
    textBytes: Buffer.byteLength(rendered.text),
    rawMessageBytes,
    renderRuns,
    recipientRuns,
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

if (require.main === module) {
  runRenderBench()
    .then((r) => {
      console.log(`render April 2025 edition (median of ${r.renderRuns}): ${r.renderMedianMs} ms`);
      console.log(
        `personalize one recipient, html+text (median of ${r.recipientRuns}): ${r.personalizeMedianUs} µs`,
      );
      console.log(`build one raw MIME message (median of ${r.recipientRuns}): ${r.mimeBuildMedianUs} µs`);
      console.log(`compile MIME template once: ${r.mimeCompileMs} ms`);
      console.log(
        `HTML size: ${r.htmlBytes} bytes; text: ${r.textBytes} bytes; raw message: ${r.rawMessageBytes} bytes`,
      );
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
