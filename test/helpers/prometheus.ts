/**
 * One Prometheus text-format sample line: name, optional labels, value (and optional timestamp). prom-client
 * writes NaN as "Nan" (its event-loop gauges before the first sample); Prometheus parses either.
 */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)( \d+)?$/;

/** A scrape's samples as `name{labels}` → value; throws on a line that is not Prometheus text format. */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    if (!SAMPLE.test(line)) throw new Error(`not Prometheus text format: ${line}`);
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/**
 * The metric names a scrape declares: each `# TYPE` line's (a labelled metric with no series yet, such as a
 * gauge of auto-paused campaigns while none is, still declares its name) and each sample's (a histogram's
 * _bucket, _sum and _count).
 */
export function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) if (line.startsWith('# TYPE ')) names.add(line.split(' ')[2]!);
  for (const key of parseExposition(text).keys()) names.add(key.split('{')[0]!);
  return names;
}

/** The metric names a PromQL expression reads: the service's own (newsletter_, http_, process_, nodejs_) and `up`. */
export function metricsInPromQL(expr: string): string[] {
  const names = expr.match(/\b(?:newsletter|http|process|nodejs)_[a-z0-9_]+\b|\bup\b(?=\s*\{)/g) ?? [];
  return [...new Set(names)];
}

/**
 * A scraped series key with the target's labels (job, instance) as Prometheus stores it: a scraped label of
 * the same name is kept as `exported_<name>` (honor_labels false, the default), e.g. the BullMQ job name of
 * newsletter_job_duration_seconds{job} becomes exported_job.
 */
export function withLabels(key: string, labels: Record<string, string>): string {
  const extra = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const brace = key.indexOf('{');
  if (brace < 0) return `${key}{${extra}}`;
  let own = key.slice(brace + 1);
  for (const name of Object.keys(labels))
    own = own.replace(new RegExp(`(^|,)${name}="`), `$1exported_${name}="`);
  return `${key.slice(0, brace)}{${extra},${own}`;
}
