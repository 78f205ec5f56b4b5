import { PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { UpdateEditionDto } from '../../admin/editions/edition.dto';
import { FormText } from '../console-forms';
import { MAX_DRAFT_BYTES } from './draft-upload';

/** POST /admin/editions/import (multipart with an optional file, or urlencoded). */
export class DraftImportForm {
  @FormText('The draft', MAX_DRAFT_BYTES, { multiline: true })
  draft?: string;

  @FormText('The file', MAX_DRAFT_BYTES, { multiline: true })
  file?: string;

  @IsOptional()
  @IsIn(['text', 'markdown'], { message: 'format must be "text" or "markdown"' })
  format?: 'text' | 'markdown';
}

/** The fields the edit form shows, checked as the API checks them (UpdateEditionDto). */
export const EDITABLE_FIELDS = [
  'subject',
  'description',
  'highlightsTitle',
  'publicationName',
  'slug',
  'mastheadTitle',
] as const;

/** POST /admin/editions/:id (values trimmed by the controller first, as a person means them). */
export class EditionFieldsForm extends PickType(UpdateEditionDto, EDITABLE_FIELDS) {}

/** POST /admin/editions/:id/draft: the whole content as draft text. */
export class DraftTextForm {
  @FormText('The draft text', MAX_DRAFT_BYTES, { multiline: true })
  draft?: string;
}

/** POST /admin/editions/:id/test: 1 to 10 addresses, separated by commas, spaces or lines. */
export class TestSendForm {
  @FormText('The addresses', 4000, { multiline: true })
  to?: string;
}

/** POST /admin/editions/:id/send: the count the editor confirmed, and now or when. */
export class SendForm {
  @Matches(/^\d{1,9}$/, { message: 'The confirmation is missing the recipient count: confirm again below.' })
  expectedRecipients!: string;

  @IsOptional()
  @IsIn(['now', 'schedule'], { message: 'Choose “send now” or “schedule”.' })
  mode?: 'now' | 'schedule';

  @FormText('The date and time', 40)
  scheduledAt?: string;

  /** "Send anyway, despite N failed checks", ticked. */
  @IsOptional()
  @IsIn(['yes'], { message: 'overrideFailedChecks must be “yes” when ticked' })
  overrideFailedChecks?: 'yes';
}

/** POST /admin/editions/welcome: the welcome message's line (empty: the default). */
export class WelcomeLineForm {
  @FormText('The welcome line', 500)
  welcomeLine?: string;
}
