import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { PublicationRepository, type PublicationRecord } from './publication.repository';

/** The publication as readers see it: its row, and who sends it (from the configuration). */
export interface PublicationProfile extends PublicationRecord {
  /** The footer's sender lines: the publication's name, then SENDER_IDENTITY (the postal or legal line). */
  sender: { name: string; address: string };
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
      sender: { name: p.name, address: this.config.env.SENDER_IDENTITY },
      mailFrom: this.config.env.MAIL_FROM,
    };
  }
}
