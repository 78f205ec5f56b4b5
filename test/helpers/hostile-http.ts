import http from 'node:http';
import type { Harness } from './harness';
import type { HostileInput, HostileValue } from './hostile-corpus';

/**
 * A raw HTTP client for the hostile-input suites: keep-alive (thousands of requests), exact bytes in the body
 * and the URL (invalid UTF-8, lying Content-Length), which supertest and fetch would normalise.
 */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer; contentLength?: number } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(opts.contentLength ?? opts.body.length);
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close the connection after answering 413 before the whole body was written.
      reject(err);
    });
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

export function closeAgent(): void {
  agent.destroy();
}

/** Percent-encodes every byte outside the unreserved set (works for lone surrogates and raw bytes too). */
export function pct(v: string | Buffer): string {
  const buf = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  let out = '';
  for (const b of buf) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The text of a value as it goes into a URL segment or a form field. */
export function asText(v: HostileValue): string | Buffer {
  if (v.kind === 'bytes') return v.value;
  if (v.kind === 'string') return v.value;
  return typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
}

/** The string a page would reflect (for the unescaped-reflection check); undefined for raw bytes. */
export function reflectable(input: HostileInput): string | undefined {
  const v = input.value;
  if (!v) return undefined;
  if (v.kind === 'string') return v.value;
  if (v.kind === 'json' && typeof v.value === 'string') return v.value;
  return undefined;
}

const MARK = '\u0000HOSTILE-MARK\u0000';

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = obj;
  parts.slice(0, -1).forEach((p, i) => {
    cur[p] ??= /^\d+$/.test(parts[i + 1]!) ? [] : {};
    cur = cur[p] as Record<string, unknown>;
  });
  cur[parts.at(-1)!] = value;
}

/** A JSON body: the template with one field replaced by the hostile value (raw bytes spliced in as-is). */
export function jsonBody(template: Record<string, unknown>, field: string, input: HostileInput): Buffer {
  const copy = structuredClone(template);
  const v = input.value;
  if (v?.kind === 'json') {
    setPath(copy, field, v.value);
    return Buffer.from(JSON.stringify(copy));
  }
  if (v?.kind === 'string') {
    setPath(copy, field, v.value);
    return Buffer.from(JSON.stringify(copy));
  }
  setPath(copy, field, MARK);
  const [before, after] = JSON.stringify(copy).split(JSON.stringify(MARK)) as [string, string];
  if (v?.kind === 'bytes')
    return Buffer.concat([Buffer.from(`${before}"`), v.value, Buffer.from(`"${after}`)]);
  return Buffer.from(`${before}${input.rawJsonValue ?? 'null'}${after}`);
}

/** An urlencoded body: arrays as repeated keys, objects as bracketed keys (what browsers and bots send). */
export function formBody(template: Record<string, string>, field: string, input: HostileInput): Buffer {
  const parts: string[] = [];
  for (const [k, tv] of Object.entries(template)) {
    if (k !== field) {
      parts.push(`${pct(k)}=${pct(tv)}`);
      continue;
    }
    const v = input.value;
    if (!v) parts.push(`${pct(k)}=${pct(input.rawJsonValue ?? '')}`);
    else if (v.kind === 'json' && Array.isArray(v.value)) {
      for (const item of v.value.slice(0, 50)) parts.push(`${pct(k)}=${pct(JSON.stringify(item) ?? '')}`);
    } else if (v.kind === 'json' && v.value !== null && typeof v.value === 'object') {
      for (const [ok, ov] of Object.entries(v.value)) parts.push(`${pct(`${k}[${ok}]`)}=${pct(String(ov))}`);
    } else if (v.kind === 'json') parts.push(`${pct(k)}=${pct(String(v.value))}`);
    else parts.push(`${pct(k)}=${pct(v.value)}`);
  }
  return Buffer.from(parts.join('&'));
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await fn(item);
      }
    }),
  );
}

/** Express's route table: every handler Nest registered (a new controller's routes show up here). */
export interface AppRoute {
  method: string;
  path: string;
}

export function appRoutes(h: Harness): AppRoute[] {
  const express = h.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const out: AppRoute[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: layer.route.path });
    }
  }
  return out;
}

const STACK_TRACE =
  /\n\s+at [^\n]+:\d+:\d+|\/work\/|node_modules\/|\.(?:ts|js):\d+:\d+|QueryFailedError|TypeError:/;

/**
 * The three promises every answer keeps: never 5xx, a 4xx says why (JSON message or an HTML page), no stack
 * trace, and no page reflects the hostile markup unescaped. Returns what is wrong, or undefined.
 */
export function judge(res: RawResponse, reflected?: string): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.body.slice(0, 300)}`;
  if (res.status === 0) return 'no status';
  if (STACK_TRACE.test(res.body)) return `stack trace or internals in body: ${res.body.slice(0, 300)}`;
  const type = String(res.headers['content-type'] ?? '');
  if (res.status >= 400) {
    if (type.includes('text/html')) {
      if (!/<p|<h1|role="alert"/.test(res.body)) return `4xx HTML page without a message`;
    } else if (type.includes('json')) {
      let msg: unknown;
      try {
        msg = (JSON.parse(res.body) as { message?: unknown }).message;
      } catch {
        return `4xx with unparseable JSON: ${res.body.slice(0, 200)}`;
      }
      const text = [msg].flat().join(' ');
      if (typeof text !== 'string' || text.trim() === '') return `4xx JSON without a message: ${res.body}`;
    } else if (res.body.trim() === '') {
      return `4xx ${res.status} with an empty body (content-type ${type || 'none'})`;
    }
  }
  // a tag (not "<!--", which pages contain anyway) that appears verbatim
  if (reflected && type.includes('html') && /<[a-z/]/i.test(reflected) && res.body.includes(reflected)) {
    return `HTML page reflects the input unescaped`;
  }
  return undefined;
}
