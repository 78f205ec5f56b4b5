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

/** The series names a scrape holds (a histogram's _bucket, _sum and _count each). */
export function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const key of parseExposition(text).keys()) names.add(key.split('{')[0]!);
  return names;
}
