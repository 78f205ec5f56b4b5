import { DeliveryStatus } from '@app/database';
import { Equals, IsIn, IsOptional, Matches } from 'class-validator';
import { IsKeysetCursor } from '../../common/keyset-cursor';
import { FormText } from '../console-forms';

const DELIVERY_STATUSES = Object.values(DeliveryStatus) as string[];

/** GET /admin/campaigns */
export class CampaignListQuery {
  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;
}

/** GET /admin/campaigns/:id: the notice after an action (`added` and `requeued` after send-missed). */
export class CampaignPageQuery {
  @FormText('notice', 40)
  notice?: string;

  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'added must be a count' })
  added?: string;

  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'requeued must be a count' })
  requeued?: string;
}

/** GET /admin/campaigns/:id/deliveries: the delivery log's filter form and its "Next page" links. */
export class DeliveriesQuery {
  @IsOptional()
  @IsIn(['', ...DELIVERY_STATUSES], { message: `Status must be one of: ${DELIVERY_STATUSES.join(', ')}` })
  status?: '' | DeliveryStatus;

  @FormText('The email search', 254)
  q?: string;

  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;
}

/** POST /admin/campaigns/:id/cancel: the box ticked on the confirmation step. */
export class CancelForm {
  @Equals('yes', { message: 'Tick “Yes, cancel this campaign” to confirm; nothing was cancelled.' })
  confirm!: 'yes';
}
