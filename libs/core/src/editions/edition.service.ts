import { AppConfig } from '@app/config';
import {
  contentLinks,
  type EditionContent,
  issueLabel,
  linkUrlProblem,
  normalizeContent,
} from '@app/content';
import { EditionStatus } from '@app/database';
import { personalize, type RenderedEmail, renderEdition } from '@app/email';
import { MAIL_TRANSPORT, MailSendError, type MailTransport } from '@app/mailer';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type PublicationProfile, PublicationService } from '../publication/publication.service';
import { SendRateLimiter } from '../send-rate/send-rate.limiter';
import { CampaignEditionRepository } from '../campaigns/campaign-edition.repository';
import { CampaignMessageFactory, parseMailFrom } from '../campaigns/campaign-message.factory';
import { TokenService } from '../tokens/token.service';
import { PREFERENCES_PATH, SubscriberLinks, UNSUBSCRIBE_PATH } from '../subscriptions/subscriber-links';
import { docxToDraft } from './draft.docx';
import { DocumentParseError, type DraftImportWarning, type HtmlDraft, htmlToDraft } from './draft.html';
import { DraftParseError, EDITION_SUBJECT_MAX_LENGTH, parseDraft, sourceLines } from './draft.parser';
import { type EditionRecord, EditionRepository } from './edition.repository';
import { parseMarkdown, toMarkdown } from './edition.markdown';

export const EDITION_SLUG_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
/** Every slug EDITION_SLUG_RE accepts ("YYYY-MM") has this length, the size of edition.slug. */
export const EDITION_SLUG_LENGTH = 7;
/** Stands where a reader's signed token goes in a preview, so nobody mistakes a preview link for a real one. */
export const SAMPLE_TOKEN = 'SAMPLE-TOKEN-preview';

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

/** A document the editors write in: the Word file itself, or HTML pasted from Word or Google Docs. */
export type DraftDocument = { docx: Buffer } | { html: string };

/** An edition imported from a document, with what of the document was left out (images, footnotes). */
export interface ImportedEdition extends EditionView {
  warnings: DraftImportWarning[];
}

function view(e: EditionRecord): EditionView {
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

function summary(e: EditionRecord): EditionSummary {
  const { content: _c, ...rest } = view(e);
  return rest;
}

function assertHeaderSafe(field: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidInputError(`${field} must be a single line (no CR, LF or control characters)`);
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
    private readonly editions: EditionRepository,
    private readonly publications: PublicationService,
    private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly sendRate: SendRateLimiter,
    private readonly messages: CampaignMessageFactory,
    private readonly campaignEditions: CampaignEditionRepository,
    private readonly links: SubscriberLinks,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Parses a draft (plain text or Markdown) and saves it as that month's draft. Nothing is saved on error:
   * a DraftParseError names the line, and so does a subject naming no publication of this service.
   */
  async importDraft(text: string, format: DraftFormat = 'text'): Promise<EditionView> {
    let content: EditionContent;
    try {
      content = format === 'markdown' ? parseMarkdown(text) : parseDraft(text);
    } catch (err) {
      if (err instanceof DraftParseError || !(err instanceof Error)) throw err;
      throw new InvalidInputError(`The draft cannot be read: ${err.message}`);
    }
    if (!(await this.publications.findByName(content.publicationName))) {
      // Both formats start with the subject: the first line that is not blank.
      const line = sourceLines(text)[0]?.n ?? 1;
      throw new DraftParseError(line, await this.publicationExpected(content.slug), content.subject);
    }
    return this.saveDraft(content);
  }

  /**
   * A Word document or pasted HTML as draft text (nothing saved): 400 for a file that is not a Word document
   * or a document with a table; images and footnotes are left out and named in `warnings`.
   */
  async convertDocument(doc: DraftDocument): Promise<HtmlDraft> {
    return 'docx' in doc ? docxToDraft(doc.docx) : htmlToDraft(doc.html, 'html');
  }

  /**
   * Imports a converted document as importDraft imports text; a draft error names the document's paragraph
   * and quotes it (DocumentParseError, whose details keep the draft text's line).
   */
  async importConverted(draft: HtmlDraft): Promise<ImportedEdition> {
    try {
      return { ...(await this.importDraft(draft.text, 'text')), warnings: draft.warnings };
    } catch (err) {
      if (err instanceof DraftParseError) throw new DocumentParseError(err, draft);
      throw err;
    }
  }

  async importDocument(doc: DraftDocument): Promise<ImportedEdition> {
    return this.importConverted(await this.convertDocument(doc));
  }

  /** Creates that month's draft, or replaces the existing draft; 409 if the month is scheduled or sent. */
  async saveDraft(given: EditionContent): Promise<EditionView> {
    const content = normalizeContent(given);
    this.assertContent(content);
    const publication = await this.publicationOf(content);
    const id = await this.editions.upsertDraft(publication.id, content);
    if (id === undefined) {
      throw new ConflictError(`The ${content.slug} edition is no longer a draft; it cannot be overwritten`);
    }
    return this.get(id);
  }

  /** Edits a draft with a partial content; the month (slug) may change if the new month is free. */
  async update(id: number, patch: Partial<EditionContent>): Promise<EditionView> {
    const current = await this.load(id);
    if (current.status !== EditionStatus.Draft) {
      throw new ConflictError(`Edition ${id} is ${current.status}; only a draft can be changed`);
    }
    const content: EditionContent = normalizeContent({ ...current.content, ...patch });
    this.assertContent(content);
    await this.publicationOf(content);
    const outcome = await this.editions.updateDraft(id, content);
    if (outcome === 'not-a-draft') throw new ConflictError(`Edition ${id} is no longer a draft`);
    if (outcome === 'month-taken') throw new ConflictError(`There is already an edition for ${content.slug}`);
    return this.get(id);
  }

  async list(): Promise<EditionSummary[]> {
    return (await this.editions.all()).map(summary);
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
    const e = await this.campaignEditions.findForSend(editionId);
    if (!e) return { sent: [], refused: [] }; // deleted since: nothing to send, nothing to retry
    // The same MIME template, headers and encoding as the campaign's message; the links made for a test.
    const message = await this.messages.compileTest(e, this.links.editionPreviewUrl(editionId));
    assertHeaderSafe('subject', message.subject);
    const from = parseMailFrom(this.config.env.MAIL_FROM).address;
    const host = new URL(this.config.env.PUBLIC_URL).hostname || 'localhost';
    const sent: string[] = [];
    const refused: string[] = [];
    for (const address of to) {
      // Test messages count against the global send rate like every other message.
      await this.sendRate.acquireOne();
      const messageId = `<test.${editionId}.${randomUUID()}@${host}>`;
      try {
        await this.transport.send({
          kind: 'raw',
          raw: message.raw(address, messageId),
          envelope: { from, to: address },
          messageId,
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

  /**
   * The web version of any edition (a draft too) named by a signed preview token: what a test message's
   * "View in browser" opens. A forged, altered or expired (30 days) token, or a deleted edition: null.
   */
  async renderPreviewLink(token: unknown): Promise<{ edition: EditionView; html: string } | null> {
    const check = this.tokens.verifyEditionPreview(token);
    if (!check.ok) return null;
    const e = await this.editions.findById(check.editionId);
    if (!e) return null;
    const rendered = await renderEdition(e.content, {
      variant: 'web',
      sender: await this.sender(e.content),
      subscribeUrl: this.config.url('/'),
      urls: { webUrl: this.archiveUrl(e.slug) },
    });
    return { edition: view(e), html: rendered.html };
  }

  /** Sent editions, newest month first (the public archive). */
  async listSent(): Promise<EditionView[]> {
    return (await this.editions.allSent()).map(view);
  }

  /** The web version of a sent edition, or null when that month was not published. */
  async renderArchived(slug: string): Promise<{ edition: EditionView; html: string } | null> {
    if (!EDITION_SLUG_RE.test(slug)) return null;
    const e = await this.editions.findSentByMonth(slug);
    if (!e) return null;
    const edition = view(e);
    return { edition, html: await this.webVersion(edition) };
  }

  /** A sent edition's web version (the archive page, a whole HTML document; the Atom feed's entry content). */
  async webVersion(e: EditionView): Promise<string> {
    const rendered = await renderEdition(e.content, {
      variant: 'web',
      sender: await this.sender(e.content),
      subscribeUrl: this.config.url('/'),
      archiveUrl: this.config.url('/archive'),
      urls: { webUrl: this.archiveUrl(e.slug) },
    });
    return rendered.html;
  }

  archiveUrl(slug: string): string {
    return this.config.url(`/archive/${slug}`);
  }

  private async renderEmail(content: EditionContent): Promise<RenderedEmail> {
    return renderEdition(content, {
      variant: 'email',
      sender: await this.sender(content),
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

  /** The footer's sender: the edition's publication name (checked when saved), the configured identity. */
  private async sender(
    content: EditionContent,
  ): Promise<{ name: string; address: string; postalAddress: string }> {
    const { sender } = await this.publications.current();
    return { ...sender, name: content.publicationName };
  }

  /** The publication the content names; a name that is no publication here is refused (400). */
  private async publicationOf(content: EditionContent): Promise<PublicationProfile> {
    const publication = await this.publications.findByName(content.publicationName);
    if (publication) return publication;
    const known = await this.publications.current();
    throw new InvalidInputError(
      `publicationName “${content.publicationName}” is not a publication here (this service sends “${known.name}”)`,
    );
  }

  /** What a draft's subject line must start with, shown with this service's publication and the month. */
  private async publicationExpected(slug: string): Promise<string> {
    const known = await this.publications.current();
    return `the name of a publication of this service before the month, e.g. “${known.name} | ${issueLabel(slug)}”`;
  }

  private assertContent(content: EditionContent): void {
    if (!EDITION_SLUG_RE.test(content.slug)) throw new InvalidInputError('slug must be a month, YYYY-MM');
    assertHeaderSafe('subject', content.subject);
    if (content.subject.trim() === '') throw new InvalidInputError('subject must not be empty');
    // edition.subject is varchar(300): say so rather than let PostgreSQL fail the statement (a 500)
    if (content.subject.length > EDITION_SUBJECT_MAX_LENGTH) {
      throw new InvalidInputError(`subject must be at most ${EDITION_SUBJECT_MAX_LENGTH} characters`);
    }
    // The one URL policy, whichever way the content came in (the parsers and the API's DTOs ask it too).
    for (const link of contentLinks(content)) {
      const problem = linkUrlProblem(link.href);
      if (problem) throw new InvalidInputError(`${link.field}: the link is refused: expected ${problem}`);
    }
  }

  private async load(id: number): Promise<EditionRecord> {
    const e = await this.editions.findById(id);
    if (!e) throw new NotFoundError(`Edition ${id} does not exist`);
    return e;
  }
}
