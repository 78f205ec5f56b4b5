import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  checkEmail,
  checkName,
  consentEvidence,
  DraftParseError,
  EDITION_SLUG_LENGTH,
  EDITION_SLUG_RE,
  EDITION_SUBJECT_MAX_LENGTH,
  eventEvidence,
  EVIDENCE_MAX_LENGTH,
  FEEDBACK_MAX_LENGTH,
  INBOUND_MAX_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  parseDraft,
  parseMarkdown,
  parseSubject,
} from '@app/core';
import { API_TOKEN_NAME_MAX_LENGTH } from '@app/core/accounts';
import { createTestDatabase } from '@app/testing';
import { getMetadataStorage } from 'class-validator';
import { Client } from 'pg';
import { EditionContentDto, UpdateEditionDto } from '../apps/api/src/admin/editions/edition.dto';
import { CreateTokenDto, CreateUserDto } from '../apps/api/src/auth/accounts.dto';

/*
 * Issue 11, item 11: a subject over 300 characters reached PostgreSQL and came back as a 500 ("value too long
 * for type character varying(300)"). Every bounded varchar column is listed here with how the code keeps
 * values within it, and the sizes are read from a freshly migrated database: a migration that shrinks a
 * column, a code change that raises a limit, or a new column nobody classified fails this test.
 */

/** A DTO class, as class-validator keys its metadata. */
type DtoClass = abstract new (...args: never[]) => object;

type Rule =
  /** Input is refused when longer than `max` (with a 400 naming the field or the draft line). */
  | { refusedOver: number; dtos?: [DtoClass, string][] }
  /** Input from request headers is cut to `max`: evidence, not content. */
  | { clippedTo: number }
  /** The SQL that writes the column cuts the value itself: `column = left(value, N)`. */
  | { sqlLeft: true }
  /** Only the service itself writes it (enumerations, hashes, generated ids); the reason says which. */
  | { internal: string };

const ENUM = 'one of a fixed set of code values (a CHECK constraint or a TypeScript enum)';

const COLUMNS: Record<string, Rule> = {
  'edition.subject': {
    refusedOver: EDITION_SUBJECT_MAX_LENGTH,
    dtos: [
      [EditionContentDto, 'subject'],
      [UpdateEditionDto, 'subject'],
    ],
  },
  'edition.slug': { refusedOver: EDITION_SLUG_LENGTH },
  'edition.status': { internal: ENUM },
  'subscriber.email': { refusedOver: MAX_EMAIL_LENGTH },
  'subscriber.name': { refusedOver: MAX_NAME_LENGTH },
  'subscriber.status': { internal: ENUM },
  'subscriber.consent_ip': { clippedTo: EVIDENCE_MAX_LENGTH.ip },
  'subscriber.consent_user_agent': { clippedTo: EVIDENCE_MAX_LENGTH.userAgent },
  'subscriber.consent_source': { clippedTo: EVIDENCE_MAX_LENGTH.source },
  'subscriber_event.ip': { clippedTo: EVIDENCE_MAX_LENGTH.ip },
  'subscriber_event.user_agent': { clippedTo: EVIDENCE_MAX_LENGTH.userAgent },
  'subscriber_event.source': { clippedTo: EVIDENCE_MAX_LENGTH.source },
  'subscriber_event.detail': { clippedTo: EVIDENCE_MAX_LENGTH.detail },
  'subscriber_event.type': { internal: ENUM },
  'subscriber_event.from_status': { internal: ENUM },
  'subscriber_event.to_status': { internal: ENUM },
  'app_user.email': { refusedOver: MAX_EMAIL_LENGTH, dtos: [[CreateUserDto, 'email']] },
  'app_user.role': { internal: ENUM },
  'app_user.password_hash': { internal: 'a password hash in a fixed format' },
  'api_token.name': { refusedOver: API_TOKEN_NAME_MAX_LENGTH, dtos: [[CreateTokenDto, 'name']] },
  'api_token.token_hash': { internal: 'a SHA-256 in hex' },
  'api_token.prefix': { internal: 'the first 12 characters of a generated token' },
  'user_session.token_hash': { internal: 'a SHA-256 in hex' },
  'user_session.csrf_token': { internal: 'random bytes in hex' },
  'suppression.email_hash': { internal: 'an HMAC-SHA-256 in hex' },
  'suppression.reason': { internal: ENUM },
  'campaign.status': { internal: ENUM },
  'campaign.pause_reason': { sqlLeft: true },
  'delivery.status': { internal: ENUM },
  'delivery.last_response': { sqlLeft: true },
  'delivery.message_id': { internal: 'a Message-ID the service generates' },
  'delivery.claimed_by': { internal: 'the worker id: 60 characters of host name, pid, 8 hex digits' },
  'worker_heartbeat.id': { internal: 'the worker id: 60 characters of host name, pid, 8 hex digits' },
  'worker_heartbeat.host': { internal: 'the host name, cut to 255 characters' },
  'inbound_message.remote_address': { internal: "the client's IP address, from the socket" },
  'inbound_message.helo': { clippedTo: INBOUND_MAX_LENGTH.helo },
  'inbound_message.mail_from': { clippedTo: INBOUND_MAX_LENGTH.mailFrom },
  'inbound_message.status': { internal: ENUM },
  'inbound_message.classification': { internal: ENUM },
  'inbound_message.detail': { clippedTo: INBOUND_MAX_LENGTH.detail },
  'mail_feedback.source': { internal: ENUM },
  'mail_feedback.kind': { internal: ENUM },
  'mail_feedback.dedupe_key': { clippedTo: FEEDBACK_MAX_LENGTH.dedupeKey },
  'mail_feedback.status_code': { clippedTo: FEEDBACK_MAX_LENGTH.statusCode },
  'mail_feedback.detail': { clippedTo: FEEDBACK_MAX_LENGTH.detail },
  'publication.slug': { internal: 'written by the initial migration only' },
  'publication.name': { internal: 'written by the initial migration only' },
};

/** The largest length class-validator lets through for `dto.property` (MaxLength or Length), if any. */
function validatorMax(dto: DtoClass, property: string): number | undefined {
  const metas = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const m = metas.find(
    (x) => x.propertyName === property && (x.name === 'maxLength' || x.name === 'isLength'),
  );
  return m ? (m.constraints[m.name === 'isLength' ? 1 : 0] as number) : undefined;
}

/** The N of every `column = left(value, N)` in the SQL of libs/core (the value may hold parentheses). */
function sqlLeftLimits(column: string): { where: string; n: number }[] {
  const root = join(__dirname, '..');
  const files = readdirSync(join(root, 'libs/core/src'), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
    .map((e) => join(e.parentPath, e.name));
  const found: { where: string; n: number }[] = [];
  const start = `${column} = left(`;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (let i = text.indexOf(start); i >= 0; i = text.indexOf(start, i + 1)) {
      let depth = 1;
      let j = i + start.length;
      for (; j < text.length && depth > 0; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')') depth--;
      }
      const args = text.slice(i + start.length, j - 1);
      const n = Number(args.slice(args.lastIndexOf(',') + 1).trim());
      found.push({ where: relative(root, file), n });
    }
  }
  return found;
}

describe('varchar column sizes and the limits in code', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sizes: Map<string, number>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ t: string; c: string; len: number }>(
        `SELECT table_name AS t, column_name AS c, character_maximum_length AS len
           FROM information_schema.columns
          WHERE table_schema = 'public' AND data_type = 'character varying'
            AND character_maximum_length IS NOT NULL`,
      );
      sizes = new Map(rows.map((r) => [`${r.t}.${r.c}`, r.len]));
    } finally {
      await c.end();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('every bounded varchar column of the migrated schema is classified, and only those', () => {
    expect([...sizes.keys()].sort()).toEqual(Object.keys(COLUMNS).sort());
  });

  it('a limit in code equals its column size, in the services and in the DTOs', () => {
    const wrong: string[] = [];
    for (const [column, rule] of Object.entries(COLUMNS)) {
      const size = sizes.get(column);
      const limit = 'refusedOver' in rule ? rule.refusedOver : 'clippedTo' in rule ? rule.clippedTo : null;
      if (limit !== null && limit !== size) wrong.push(`${column}: code ${limit}, column ${size}`);
      for (const [dto, property] of ('dtos' in rule && rule.dtos) || []) {
        const max = validatorMax(dto, property);
        if (max !== limit) wrong.push(`${column}: ${dto.name}.${property} allows ${max}, column ${size}`);
      }
      if ('sqlLeft' in rule) {
        const name = column.split('.')[1]!;
        const lefts = sqlLeftLimits(name);
        if (lefts.length === 0) wrong.push(`${column}: no "${name} = left(..., N)" in libs/core`);
        for (const l of lefts) if (l.n !== size) wrong.push(`${column}: left(..., ${l.n}) in ${l.where}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the validators behind the limits refuse one character more and accept the limit', () => {
    const subject = (n: number) => `${'C'.repeat(n - ' | April 2025'.length)} | April 2025`;
    expect(parseSubject(subject(EDITION_SUBJECT_MAX_LENGTH), 1).slug).toBe('2025-04');
    expect(() => parseSubject(subject(EDITION_SUBJECT_MAX_LENGTH + 1), 7)).toThrow(
      expect.objectContaining({ line: 7, expected: expect.stringContaining('at most 300 characters') }),
    );
    expect(EDITION_SLUG_RE.test('2025-04')).toBe(true);
    expect('2025-04').toHaveLength(EDITION_SLUG_LENGTH);
    for (const longer of ['12025-04', '2025-004', '2025-04 '])
      expect(EDITION_SLUG_RE.test(longer)).toBe(false);

    const address = (n: number) =>
      `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(n - 64 - 1 - 63 - 1 - 63 - 1 - 4)}.org`;
    expect(checkEmail(address(MAX_EMAIL_LENGTH))).toMatchObject({ ok: true });
    expect(checkEmail(address(MAX_EMAIL_LENGTH + 1))).toMatchObject({ ok: false });
    expect(checkName('n'.repeat(MAX_NAME_LENGTH))).toMatchObject({ ok: true });
    expect(checkName('n'.repeat(MAX_NAME_LENGTH + 1))).toMatchObject({ ok: false });

    const long = {
      ip: 'i'.repeat(1000),
      userAgent: 'u'.repeat(1000),
      source: 's'.repeat(1000),
      detail: 'd'.repeat(1000),
    };
    const max = EVIDENCE_MAX_LENGTH;
    expect(consentEvidence(long).map((v) => v?.length)).toEqual([max.ip, max.userAgent, max.source]);
    expect(eventEvidence(long).map((v) => v?.length)).toEqual([
      max.ip,
      max.userAgent,
      max.source,
      max.detail,
    ]);
  });

  it('a draft subject one character too long is refused with its line, in text and in Markdown', () => {
    const subject = `CRANK Call ${'x'.repeat(EDITION_SUBJECT_MAX_LENGTH - 23)} | April 2025`;
    expect(subject).toHaveLength(EDITION_SUBJECT_MAX_LENGTH + 1);
    for (const [parse, text, line] of [
      [parseDraft, `\n\n${subject}\nApril 2025 Highlights\n`, 3],
      [parseMarkdown, `\n# ${subject}\n\n## April 2025 Highlights\n`, 2],
    ] as const) {
      let err: unknown;
      try {
        parse(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DraftParseError);
      expect(err).toMatchObject({ line, expected: 'a subject of at most 300 characters (this one has 301)' });
    }
  });
});
