import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/domain.errors';
import { PublicationRepository, type PublicationRecord } from './publication.repository';

/** The welcome line is a line, not a letter: it sits above the latest issue. */
export const WELCOME_LINE_MAX_LENGTH = 500;

/** The publication as readers see it: its row, and who sends it (from the configuration). */
export interface PublicationProfile extends PublicationRecord {
  /** The footer's sender lines: the publication's name, SENDER_IDENTITY, then SENDER_ADDRESS (postal). */
  sender: { name: string; address: string; postalAddress: string };
  /** The From header of every message (MAIL_FROM). */
  mailFrom: string;
}

/**
 * The publication's name, slug and description come from its row; the sender identity and From address from
 * the configuration (SENDER_IDENTITY, MAIL_FROM), which is where an operator sets them. The rows are read
 * once per process: nothing in the service changes them, and pages, confirmations and drafts ask often.
 */
@Injectable()
export class PublicationService {
  private loaded?: Promise<PublicationRecord[]>;

  constructor(
    private readonly publications: PublicationRepository,
    private readonly config: AppConfig,
  ) {}

  /** The publication this deployment speaks for (the first one). */
  async current(): Promise<PublicationProfile> {
    const [first] = await this.all();
    // The initial migration writes one: none means the database was emptied by hand.
    if (!first) throw new Error('The publication table is empty: run the migrations');
    return this.profile(first);
  }

  /** The publication with this name (case-insensitive), or undefined. */
  async findByName(name: string): Promise<PublicationProfile | undefined> {
    const wanted = name.trim().toLowerCase();
    const found = (await this.all()).find((p) => p.name.toLowerCase() === wanted);
    return found && this.profile(found);
  }

  /**
   * The editor's welcome line of the current publication (empty: the default line). Read on every call, not
   * cached with the row: the console changes it in the API process, and workers must send the new one.
   */
  async welcomeLine(): Promise<string> {
    const p = await this.current();
    return (await this.publications.welcomeLine(p.id)) ?? '';
  }

  /** Sets the welcome line (trimmed, one line, at most WELCOME_LINE_MAX_LENGTH characters; empty: default). */
  async setWelcomeLine(line: string): Promise<string> {
    const value = line.trim();
    if (value.length > WELCOME_LINE_MAX_LENGTH) {
      throw new InvalidInputError(`The welcome line must be at most ${WELCOME_LINE_MAX_LENGTH} characters`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value)) {
      throw new InvalidInputError('The welcome line must be one line of text');
    }
    const p = await this.current();
    await this.publications.setWelcomeLine(p.id, value);
    return value;
  }

  private all(): Promise<PublicationRecord[]> {
    if (!this.loaded) {
      this.loaded = this.publications.all();
      // A failed read (database down) is not remembered: the next caller tries again.
      this.loaded.catch(() => (this.loaded = undefined));
    }
    return this.loaded;
  }

  private profile(p: PublicationRecord): PublicationProfile {
    return {
      ...p,
      sender: {
        name: p.name,
        address: this.config.env.SENDER_IDENTITY,
        postalAddress: this.config.env.SENDER_ADDRESS,
      },
      mailFrom: this.config.env.MAIL_FROM,
    };
  }
}
