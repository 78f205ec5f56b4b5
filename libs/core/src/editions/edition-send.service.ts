import { Injectable } from '@nestjs/common';
import type { CampaignOverride, FailedCheckRecord } from '../campaigns/campaign.repository';
import { CampaignService } from '../campaigns/campaign.service';
import type { CampaignView } from '../campaigns/campaign.types';
import { UnprocessableError } from '../common/domain.errors';
import { PreSendCheckService } from './pre-send-check.service';

export interface SendEditionOptions {
  /** ISO 8601; left out: now. */
  scheduledAt?: string;
  /** Send although the pre-send check has failures (recorded on the campaign with who and which). */
  overrideFailedChecks?: boolean;
  /** The user sending it; undefined for the bootstrap ADMIN_API_TOKEN. */
  by?: number;
}

/**
 * The send that cannot go out broken: an edition is sent (now or scheduled) only when its pre-send check has
 * no failure, or when the editor says "send anyway", which the campaign then records (who, when, which
 * checks). The console's send form and `POST /api/admin/campaigns` both go through here.
 */
@Injectable()
export class EditionSendService {
  constructor(
    private readonly preSend: PreSendCheckService,
    private readonly campaigns: CampaignService,
  ) {}

  async send(editionId: number, opts: SendEditionOptions = {}): Promise<CampaignView> {
    const check = await this.preSend.check(editionId);
    // An edition that has a campaign (other than a cancelled one, which may start over) is refused by
    // create() with 409 and its campaign's id: that says more than its checks would.
    if (check.campaign && check.campaign.status !== 'cancelled') {
      return this.campaigns.create(editionId, opts.scheduledAt);
    }
    const failed: FailedCheckRecord[] = check.items
      .filter((i) => i.ok === false)
      .map((i) => ({ id: i.id, label: i.label, detail: i.detail }));
    let override: CampaignOverride | null = null;
    if (failed.length > 0) {
      if (opts.overrideFailedChecks !== true) {
        const n = failed.length;
        throw new UnprocessableError(
          `${n} pre-send check${n === 1 ? '' : 's'} failed (${failed.map((f) => f.label).join('; ')}): ` +
            'fix the edition, or send anyway with overrideFailedChecks: true',
          { failedChecks: failed },
        );
      }
      override = { by: opts.by ?? null, checks: failed };
    }
    return this.campaigns.create(editionId, opts.scheduledAt, override);
  }
}
