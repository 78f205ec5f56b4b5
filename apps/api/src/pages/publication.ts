import { PublicationService } from '@app/core';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** What pages say about the publication: its name in the brand and titles, its description on the sign-up page. */
export interface PagePublication {
  name: string;
  /** For file names, e.g. crank-call-my-data.json. */
  slug: string;
  description: string;
}

/** Said when the publication cannot be read (the database is down): a page still renders, without a name. */
const UNREAD: PagePublication = { name: 'Newsletter', slug: 'newsletter', description: '' };

/** The publication of this request's page (set by PublicationMiddleware). */
export function publicationOf(res: Response): PagePublication {
  return (res.locals as { publication?: PagePublication }).publication ?? UNREAD;
}

/** Paths that answer no page: the JSON API, the stylesheets and scripts, the operators' probes. */
const NO_PAGES = /^\/(?:api\/|assets\/|health(?:\/|$)|metrics(?:\/|$))/;

/**
 * Puts the publication (name, description: from its row, through PublicationService, which reads it once per
 * process) where every page and error page of the request finds it, before guards and handlers run. A
 * database that cannot be read leaves it unset: the page that follows fails or says "Newsletter".
 */
@Injectable()
export class PublicationMiddleware implements NestMiddleware {
  constructor(private readonly publications: PublicationService) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!NO_PAGES.test(req.path)) {
      const p = await this.publications.current().catch(() => undefined);
      if (p)
        (res.locals as { publication?: PagePublication }).publication = {
          name: p.name,
          slug: p.slug,
          description: p.description,
        };
    }
    next();
  }
}
