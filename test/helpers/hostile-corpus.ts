import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Loads the hostile-input corpus kept as data in test/fixtures/hostile (JSON lines, one input per line).
 * Invalid UTF-8 cannot live in a JS string, so such inputs are stored as hex and sent as raw bytes; very
 * long inputs are stored as a recipe (`repeat` × `times`) rather than megabytes of text.
 */
export const HOSTILE_DIR = join(__dirname, '..', 'fixtures', 'hostile');

/** A field value: a string, any JSON value (type confusion) or raw bytes (invalid UTF-8). */
export type HostileValue =
  { kind: 'string'; value: string } | { kind: 'json'; value: unknown } | { kind: 'bytes'; value: Buffer };

export interface HostileInput {
  id: string;
  category: string;
  value?: HostileValue;
  /** A whole JSON body (prototype-pollution keys), raw so `__proto__` survives as a key. */
  rawJson?: string;
  /** A whole urlencoded body. */
  rawForm?: string;
  /** A raw JSON value for a field (numbers no JS number can hold). */
  rawJsonValue?: string;
}

interface Gen {
  repeat?: string;
  times?: number;
  prefix?: string;
  suffix?: string;
  wrap?: string;
  inner?: string;
  close?: string;
  manyKeys?: number;
  manyParams?: number;
  multipartField?: number;
  jsonOfSize?: number;
  formOfSize?: number;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(join(HOSTILE_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Builds the bytes a generator recipe describes. */
export function generate(g: Gen): Buffer {
  if (g.manyKeys) {
    const keys = Array.from({ length: g.manyKeys }, (_, i) => `"k${i}":${i}`).join(',');
    return Buffer.from(`{${keys}}`);
  }
  if (g.manyParams) {
    return Buffer.from(Array.from({ length: g.manyParams }, (_, i) => `p${i}=${i}`).join('&'));
  }
  if (g.multipartField) {
    return Buffer.from(
      `--XYZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n${'x'.repeat(g.multipartField)}\r\n--XYZ--\r\n`,
    );
  }
  if (g.jsonOfSize) {
    const pad = 'x'.repeat(g.jsonOfSize - 40);
    return Buffer.from(JSON.stringify({ email: 'size@example.org', name: pad }));
  }
  if (g.formOfSize) return Buffer.from(`email=size%40example.org&name=${'x'.repeat(g.formOfSize)}`);
  if (g.wrap !== undefined) {
    return Buffer.from(
      `${g.wrap.repeat(g.times ?? 1)}${g.inner ?? ''}${(g.close ?? '').repeat(g.times ?? 1)}`,
    );
  }
  return Buffer.from(`${g.prefix ?? ''}${(g.repeat ?? '').repeat(g.times ?? 0)}${g.suffix ?? ''}`);
}

/** The field-level inputs: every *.jsonl file except the request, CSV and draft cases. */
export function loadInputs(): HostileInput[] {
  const files = readdirSync(HOSTILE_DIR)
    .filter((f) => f.endsWith('.jsonl') && !['requests.jsonl', 'csv.jsonl', 'drafts.jsonl'].includes(f))
    .sort();
  const out: HostileInput[] = [];
  for (const file of files) {
    const category = file.replace(/\.jsonl$/, '');
    for (const e of readJsonl<Record<string, unknown>>(file)) {
      const id = String(e.id);
      if (typeof e.value === 'string') out.push({ id, category, value: { kind: 'string', value: e.value } });
      else if ('json' in e) out.push({ id, category, value: { kind: 'json', value: e.json } });
      else if (typeof e.hex === 'string')
        out.push({ id, category, value: { kind: 'bytes', value: Buffer.from(e.hex, 'hex') } });
      else if (typeof e.repeat === 'string')
        out.push({
          id,
          category,
          value: { kind: 'string', value: e.repeat.repeat(Number(e.times)) },
        });
      else if (typeof e.rawJson === 'string') out.push({ id, category, rawJson: e.rawJson });
      else if (typeof e.rawForm === 'string') out.push({ id, category, rawForm: e.rawForm });
      else if (typeof e.rawJsonValue === 'string') out.push({ id, category, rawJsonValue: e.rawJsonValue });
      else if (e.body !== undefined) out.push({ id, category, rawJson: JSON.stringify(e.body) });
      else throw new Error(`corpus entry ${id} has no value`);
    }
  }
  return out;
}

export interface RequestCase {
  id: string;
  contentType: string | null;
  body: Buffer;
  contentEncoding?: string;
  contentLength?: number;
  expect413?: boolean;
}

function bodyOf(e: { body?: string; hex?: string; gen?: Gen }): Buffer {
  if (e.hex !== undefined) return Buffer.from(e.hex, 'hex');
  if (e.gen) return generate(e.gen);
  return Buffer.from(e.body ?? '');
}

export function loadRequestCases(): RequestCase[] {
  return readJsonl<RequestCase & { body?: string; hex?: string; gen?: Gen }>('requests.jsonl').map((e) => ({
    ...e,
    body: bodyOf(e),
  }));
}

export interface CsvCase {
  id: string;
  body: Buffer;
}

export function loadCsvCases(): CsvCase[] {
  return readJsonl<{ id: string; body?: string; hex?: string; gen?: Gen }>('csv.jsonl').map((e) => ({
    id: e.id,
    body: bodyOf(e),
  }));
}

export interface DraftCase {
  id: string;
  body: Buffer;
  markdown: boolean;
}

export function loadDraftCases(): DraftCase[] {
  const base = readFileSync(join(HOSTILE_DIR, 'draft-base.txt'), 'utf8');
  const lines = base.trimEnd().split('\n');
  return readJsonl<{
    id: string;
    text?: string;
    hex?: string;
    gen?: Gen;
    truncate?: number;
    markdown?: boolean;
    lineGen?: Gen & { line: number };
  }>('drafts.jsonl').map((e) => {
    let body: Buffer;
    if (e.truncate !== undefined) body = Buffer.from(base.slice(0, Math.floor(base.length * e.truncate)));
    else if (e.lineGen) {
      const replaced = lines.map((l, i) => (i === e.lineGen!.line ? generate(e.lineGen!).toString() : l));
      body = Buffer.from(replaced.join('\n'));
    } else if (e.text !== undefined) body = Buffer.from(e.text);
    else body = bodyOf(e);
    return { id: e.id, body, markdown: e.markdown === true };
  });
}
