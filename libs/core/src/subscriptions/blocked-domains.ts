import { AppConfig } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { UnprocessableError } from '../common/domain.errors';

/** A sign-up refused for its address's domain (422, the message shown on the form). */
export class BlockedDomainError extends UnprocessableError {
  constructor(domain: string, disposable: boolean) {
    super(
      disposable
        ? `Addresses at ${domain} are disposable: please subscribe with an address you keep.`
        : `Sign-ups from addresses at ${domain} are not accepted: please use another address.`,
      { domain },
    );
  }
}

/**
 * Domains whose addresses may not subscribe: the operator's BLOCKED_DOMAINS, and with
 * BLOCK_DISPOSABLE_DOMAINS=true the disposable-address services of the maintained `disposable-email-domains`
 * list (about 120,000 domains, loaded once into a Set). A subdomain of a listed domain is refused too.
 */
@Injectable()
export class BlockedDomains {
  private readonly logger = new Logger(BlockedDomains.name);
  private readonly blocked: ReadonlySet<string>;
  private readonly disposable: ReadonlySet<string>;

  constructor(config: AppConfig) {
    this.blocked = new Set(config.env.BLOCKED_DOMAINS);
    this.disposable = config.env.BLOCK_DISPOSABLE_DOMAINS ? loadDisposableDomains() : new Set();
    if (this.disposable.size > 0) this.logger.log(`${this.disposable.size} disposable domains are refused`);
  }

  /** Throws BlockedDomainError when the (normalized) address's domain, or a parent of it, is listed. */
  check(email: string): void {
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    const labels = domain.split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const candidate = labels.slice(i).join('.');
      if (this.blocked.has(candidate)) throw new BlockedDomainError(domain, false);
      if (this.disposable.has(candidate)) throw new BlockedDomainError(domain, true);
    }
  }
}

function loadDisposableDomains(): Set<string> {
  // The package is a JSON array of domains (its main file); it ships no types, so it is read as data.
  const list = JSON.parse(readFileSync(require.resolve('disposable-email-domains'), 'utf8')) as unknown;
  if (!Array.isArray(list)) throw new Error('disposable-email-domains is not a list of domains');
  return new Set(list.filter((d): d is string => typeof d === 'string').map((d) => d.toLowerCase()));
}
