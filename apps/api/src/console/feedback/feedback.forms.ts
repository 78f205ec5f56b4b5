import { FeedbackKind, FeedbackSource, InboundClassification, InboundStatus } from '@app/database';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { IsKeysetCursor } from '../../common/keyset-cursor';

export const INBOUND_STATUSES = Object.values(InboundStatus) as string[];
/** 'none': a message not classified (yet). */
export const CLASSIFICATIONS = [...(Object.values(InboundClassification) as string[]), 'none'];
export const FEEDBACK_KINDS = Object.values(FeedbackKind) as string[];
export const FEEDBACK_SOURCES = Object.values(FeedbackSource) as string[];

/** GET /admin/feedback: the inbound messages' filters and a page's cursor. */
export class InboundListQuery {
  @IsOptional()
  @IsIn(['', ...INBOUND_STATUSES], { message: `Status must be one of: ${INBOUND_STATUSES.join(', ')}` })
  status?: '' | InboundStatus;

  @IsOptional()
  @IsIn(['', ...CLASSIFICATIONS], {
    message: `Classification must be one of: ${CLASSIFICATIONS.join(', ')}`,
  })
  classification?: '' | InboundClassification | 'none';

  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;
}

/** GET /admin/feedback/events: the feedback events' filters and a page's cursor. */
export class FeedbackEventsQuery {
  @IsOptional()
  @IsIn(['', ...FEEDBACK_KINDS], { message: `Kind must be one of: ${FEEDBACK_KINDS.join(', ')}` })
  kind?: '' | FeedbackKind;

  @IsOptional()
  @IsIn(['', ...FEEDBACK_SOURCES], { message: `Source must be one of: ${FEEDBACK_SOURCES.join(', ')}` })
  source?: '' | FeedbackSource;

  @IsOptional()
  @Matches(/^(|[1-9]\d{0,8})$/, { message: 'Campaign must be a campaign number' })
  campaign?: string;

  @IsOptional()
  @IsKeysetCursor()
  cursor?: string;
}
