import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');
const CORE = join(ROOT, 'libs/core/src');
const SENDING = join(CORE, 'campaigns/sending');
/** The one file outside the sending side that may name it: the barrel that re-exports it for the apps. */
const ALLOWED = new Set([join(CORE, 'campaigns/index.ts')]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !/\.spec\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** The absolute paths a file imports or re-exports (relative and @app/core specifiers; packages are skipped). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s*(?:\(\s*)?['"]([^'"]+)['"]/g),
    ...text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]/g),
  ].map((m) => m[1]!);
  return specifiers.flatMap((s) => {
    if (s.startsWith('.')) return [resolve(dirname(file), s)];
    if (s === '@app/core' || s.startsWith('@app/core/')) return [join(CORE, s.slice('@app/core'.length))];
    return [];
  });
}

const insideSending = (path: string) => path === SENDING || path.startsWith(SENDING + sep);

/**
 * Campaigns have two sides with a one-way dependency: the sending side (campaigns/sending: DeliveryService,
 * WorkerRegistry, CampaignSupervisor, CampaignWorkerModule; what worker processes run) builds on the campaign
 * side (CampaignService, runner, scheduler, repositories, message factory), never the reverse. Nothing outside
 * sending/ imports from it except the campaigns barrel; the apps reach it through `@app/core`.
 */
describe('campaigns: the sending side is imported by nothing but the barrel', () => {
  const files = [
    ...sourceFiles(CORE),
    ...sourceFiles(join(ROOT, 'apps')),
    ...sourceFiles(join(ROOT, 'libs')),
  ];

  it('finds the imports it checks (the barrel does re-export the sending side)', () => {
    expect(importsOf(join(CORE, 'campaigns/index.ts')).filter(insideSending)).toEqual([SENDING]);
    expect(importsOf(join(SENDING, 'delivery.service.ts'))).toContain(
      join(CORE, 'campaigns/delivery.repository'),
    );
  });

  it('no file outside campaigns/sending imports from it', () => {
    const offenders = [...new Set(files)]
      .filter((f) => !insideSending(f) && !ALLOWED.has(f))
      .filter((f) => importsOf(f).some(insideSending))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
