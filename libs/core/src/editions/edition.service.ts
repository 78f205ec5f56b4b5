import { AppConfig } from '@app/config';
import { Edition, EditionStatus } from '@app/database';
import { type EditionContent, personalize, type RenderedEmail, renderEdition } from '@app/email';
import { MAIL_TRANSPORT, MailSendError, type MailTransport } from '@app/mailer';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { SendRateLimiter } from '../send-rate/send-rate.limiter';
import { PREFERENCES_PATH, UNSUBSCRIBE_PATH } from '../subscriptions/subscriber-links';
import { DraftParseError, EDITION_SUBJECT_MAX_LENGTH, parseDraft } from './draft.parser';
import { parseMarkdown, toMarkdown } from './edition.markdown';

export const EDITION_SLUG_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
/** Every slug EDITION_SLUG_RE accepts ("YYYY-MM") has this length, the size of edition.slug. */
export const EDITION_SLUG_LENGTH = 7;
/** Stands where a reader's signed token goes in a preview, so nobody mistakes a preview link for a real one. */
export const SAMPLE_TOKEN = 'SAMPLE-TOKEN-preview';
export const TEST_SUBJECT_PREFIX = '[TEST] ';

export interface EditionSummary {
  id: number;
  slug: string;
  subject: string;
  status: EditionStatus;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EditionView extends EditionSummary {
  content: EditionContent;
}

export type DraftFormat = 'text' | 'markdown';

function view(e: Edition): EditionView {
  return {
    id: e.id,
    slug: e.slug,
    subject: e.subject,
    status: e.status,
    sentAt: e.sentAt ? new Date(e.sentAt).toISOString() : null,
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
    content: e.content,
  };
}

function summary(e: Edition): EditionSummary {
  const { content: _c, ...rest } = view(e);
  return rest;
}

function assertHeaderSafe(field: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new BadRequestException(`${field} must be a single line (no CR, LF or control characters)`);
  }
}

/**
 * Editions of a publication: import of the editors' draft, structured edits, preview, test sends and the
 * public archive. A month has at most one edition; only a draft may be replaced or edited.
 */
@Injectable()
export class EditionService {
  private readonly logger = new Logger(EditionService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly sendRate: SendRateLimiter,
  ) {}

  /** Parses a draft (plain text or Markdown) and saves it as that month's draft. Nothing is saved on error. */
  async importDraft(text: string, format: DraftFormat = 'text'): Promise<EditionView> {
    let content: EditionContent;
    try {
      content = format === 'markdown' ? parseMarkdown(text) : parseDraft(text);
    } catch (err) {
      if (err instanceof DraftParseError) {
        throw new BadRequestException({
          message: err.message,
          line: err.line,
          expected: err.expected,
          ...(err.found !== undefined ? { found: err.found } : {}),
        });
      }
      if (err instanceof Error) throw new BadRequestException(`The draft cannot be read: ${err.message}`);
      throw err;
    }
    return this.saveDraft(content);
  }

  /** Creates that month's draft, or replaces the existing draft; 409 if the month is scheduled or sent. */
  async saveDraft(content: EditionContent): Promise<EditionView> {
    this.assertContent(content);
    const id = await upsertDraftEdition(this.ds.manager, content);
    return this.get(id);
  }

  /** Edits a draft with a partial content; the month (slug) may change if the new month is free. */
  async update(id: number, patch: Partial<EditionContent>): Promise<EditionView> {
    const current = await this.load(id);
    if (current.status !== EditionStatus.Draft) {
      throw new ConflictException(`Edition ${id} is ${current.status}; only a draft can be changed`);
    }
    const content: EditionContent = { ...current.content, ...patch };
    this.assertContent(content);
    try {
      const res: unknown[] = await this.ds.query(
        `UPDATE edition SET slug = $2, subject = $3, content = $4, updated_at = now()
         WHERE id = $1 AND status = 'draft' RETURNING id`,
        [id, content.slug, content.subject, JSON.stringify(content)],
      );
      const rows = (Array.isArray(res[0]) ? res[0] : res) as unknown[];
      if (rows.length === 0) throw new ConflictException(`Edition ${id} is no longer a draft`);
    } catch (err) {
      if (err instanceof QueryFailedError && (err as { code?: string }).code === '23505') {
        throw new ConflictException(`There is already an edition for ${content.slug}`);
      }
      throw err;
    }
    return this.get(id);
  }

  async list(): Promise<EditionSummary[]> {
    const rows = await this.ds.getRepository(Edition).find({ order: { slug: 'DESC', id: 'DESC' } });
    return rows.map(summary);
  }

  async get(id: number): Promise<EditionView> {
    return view(await this.load(id));
  }

  async exportMarkdown(id: number): Promise<{ slug: string; markdown: string }> {
    const e = await this.load(id);
    return { slug: e.slug, markdown: toMarkdown(e.content) };
  }

  /** What a reader gets, with sample links in place of the per-reader ones. */
  async preview(id: number): Promise<RenderedEmail> {
    const e = await this.load(id);
    return personalize(await this.renderEmail(e.content), this.sampleLinks(e.slug));
  }

  /**
   * Sends the edition to a few addresses with "[TEST]" in the subject. Touches no subscriber data. An address
   * the server refuses for good is reported and skipped; a transient failure throws so the job is retried
   * (the editor may then get a second copy, which is harmless for a test).
   */
  async sendTest(editionId: number, to: string[]): Promise<{ sent: string[]; refused: string[] }> {
    const e = await this.ds.getRepository(Edition).findOneBy({ id: editionId });
    if (!e) return { sent: [], refused: [] }; // deleted since: nothing to send, nothing to retry
    const mail = personalize(await this.renderEmail(e.content), this.sampleLinks(e.slug));
    const subject = TEST_SUBJECT_PREFIX + e.subject;
    assertHeaderSafe('subject', subject);
    const sent: string[] = [];
    const refused: string[] = [];
    for (const address of to) {
      // Test messages count against the global send rate like every other message.
      await this.sendRate.acquireOne();
      try {
        await this.transport.send({
          kind: 'compose',
          from: this.config.env.MAIL_FROM,
          to: address,
          subject,
          html: mail.html,
          text: mail.text,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
        sent.push(address);
      } catch (err) {
        if (!(err instanceof MailSendError) || err.kind !== 'permanent') throw err;
        this.logger.warn(`test send of edition ${editionId} to ${address} refused: ${err.message}`);
        refused.push(address);
      }
    }
    return { sent, refused };
  }

  /** Sent editions, newest month first (the public archive). */
  async listSent(): Promise<EditionView[]> {
    const rows = await this.ds
      .getRepository(Edition)
      .find({ where: { status: EditionStatus.Sent }, order: { slug: 'DESC', id: 'DESC' } });
    return rows.map(view);
  }

  /** The web version of a sent edition, or null when that month was not published. */
  async renderArchived(slug: string): Promise<{ edition: EditionView; html: string } | null> {
    if (!EDITION_SLUG_RE.test(slug)) return null;
    const e = await this.ds
      .getRepository(Edition)
      .findOne({ where: { slug, status: EditionStatus.Sent }, order: { id: 'ASC' } });
    if (!e) return null;
    const rendered = await renderEdition(e.content, {
      variant: 'web',
      sender: this.sender(e.content),
      subscribeUrl: this.config.url('/'),
      urls: { webUrl: this.archiveUrl(e.slug) },
    });
    return { edition: view(e), html: rendered.html };
  }

  archiveUrl(slug: string): string {
    return this.config.url(`/archive/${slug}`);
  }

  private renderEmail(content: EditionContent): Promise<RenderedEmail> {
    return renderEdition(content, {
      variant: 'email',
      sender: this.sender(content),
      urls: { webUrl: this.archiveUrl(content.slug) },
    });
  }

  private sampleLinks(slug: string): { unsubscribeUrl: string; preferencesUrl: string; webUrl: string } {
    return {
      unsubscribeUrl: this.config.url(UNSUBSCRIBE_PATH, { token: SAMPLE_TOKEN }),
      preferencesUrl: this.config.url(PREFERENCES_PATH, { token: SAMPLE_TOKEN }),
      webUrl: this.archiveUrl(slug),
    };
  }

  private sender(content: EditionContent): { name: string; address: string } {
    return { name: content.publicationName, address: this.config.env.SENDER_IDENTITY };
  }

  private assertContent(content: EditionContent): void {
    if (!EDITION_SLUG_RE.test(content.slug)) throw new BadRequestException('slug must be a month, YYYY-MM');
    assertHeaderSafe('subject', content.subject);
    if (content.subject.trim() === '') throw new BadRequestException('subject must not be empty');
    // edition.subject is varchar(300): say so rather than let PostgreSQL fail the statement (a 500)
    if (content.subject.length > EDITION_SUBJECT_MAX_LENGTH) {
      throw new BadRequestException(`subject must be at most ${EDITION_SUBJECT_MAX_LENGTH} characters`);
    }
  }

  private async load(id: number): Promise<Edition> {
    const e = await this.ds.getRepository(Edition).findOneBy({ id });
    if (!e) throw new NotFoundException(`Edition ${id} does not exist`);
    return e;
  }
}

/**
 * Saves `content` as its month's draft in one statement: inserts, or replaces the month's existing draft.
 * A scheduled, sending or sent edition is never overwritten (409). Shared with `npm run seed`.
 */
export async function upsertDraftEdition(m: EntityManager, content: EditionContent): Promise<number> {
  const pubs: { id: number }[] = await m.query(
    `SELECT id FROM publication ORDER BY (lower(name) = lower($1)) DESC, id LIMIT 1`,
    [content.publicationName],
  );
  const publicationId = pubs[0]?.id;
  if (publicationId === undefined) throw new ConflictException('No publication exists to hold the edition');
  const rows: { id: number }[] = await m.query(
    `INSERT INTO edition (publication_id, slug, subject, content, status)
     VALUES ($1, $2, $3, $4, 'draft')
     ON CONFLICT (publication_id, slug) DO UPDATE
       SET subject = EXCLUDED.subject, content = EXCLUDED.content, updated_at = now()
       WHERE edition.status = 'draft'
     RETURNING id`,
    [publicationId, content.slug, content.subject, JSON.stringify(content)],
  );
  const id = rows[0]?.id;
  if (id === undefined) {
    throw new ConflictException(`The ${content.slug} edition is no longer a draft; it cannot be overwritten`);
  }
  return id;
}
