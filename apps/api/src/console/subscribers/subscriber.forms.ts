import { SubscriberStatus } from '@app/database';
import { Equals, IsIn, IsOptional } from 'class-validator';
import { IsKeysetCursor } from '../../common/keyset-cursor';
import { FormText } from '../console-forms';

const STATUSES = Object.values(SubscriberStatus) as string[];
const STATUS_MESSAGE = `status must be one of: ${STATUSES.join(', ')}`;

/** GET /admin/subscribers/export.csv: the list's filters. */
export class SubscriberFilterQuery {
  @FormText('search', 254)
  q?: string;

  @IsOptional()
  @IsIn(['', ...STATUSES], { message: STATUS_MESSAGE })
  status?: '' | SubscriberStatus;
}

/** GET /admin/subscribers: the filters, a page's cursor, and the notice after a change. */
export class SubscriberListQuery extends SubscriberFilterQuery {
  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;

  @FormText('notice', 40)
  notice?: string;
}

/** The CSV import form's options (multipart fields sent before the file). */
export class ImportOptionsForm {
  @IsOptional()
  @IsIn(['subscribe', 'suppress'], { message: 'mode must be "subscribe" or "suppress"' })
  mode?: 'subscribe' | 'suppress';

  @IsOptional()
  @IsIn(['confirmed'], { message: 'consent must be "confirmed" or absent' })
  consent?: 'confirmed';

  @IsOptional()
  @IsIn(['true'], { message: 'sendOptIn must be "true" or absent' })
  sendOptIn?: 'true';
}

export class StatusForm {
  @IsIn(STATUSES, { message: STATUS_MESSAGE })
  status!: SubscriberStatus;
}

export class NameForm {
  @FormText('name', 1000)
  name?: string;
}

export class EraseForm {
  @Equals('yes', { message: 'Tick the box to confirm the erasure: it cannot be undone.' })
  confirm!: 'yes';
}
