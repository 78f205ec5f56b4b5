import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Campaign } from './campaign.entity';
import { Delivery } from './delivery.entity';
import { InboundMessage } from './inbound-message.entity';
import { Subscriber } from './subscriber.entity';

/** Where a bounce, complaint or unsubscribe came from; also the subscriber_event source it records. */
export enum FeedbackSource {
  Dsn = 'dsn',
  Arf = 'arf',
  Mailto = 'mailto',
  /** A 5xx at send time. */
  Smtp = 'smtp',
  /** The generic POST /api/webhooks/bounces. */
  Webhook = 'webhook',
  Ses = 'ses',
  Postmark = 'postmark',
  Mailgun = 'mailgun',
  Sendgrid = 'sendgrid',
}

export enum FeedbackKind {
  HardBounce = 'hard-bounce',
  SoftBounce = 'soft-bounce',
  Complaint = 'complaint',
  Unsubscribe = 'unsubscribe',
}

/** One bounce, complaint or unsubscribe acted on; (source, dedupe_key) makes acting on it idempotent. */
@Entity('mail_feedback')
@Unique('mail_feedback_source_dedupe_key_key', ['source', 'dedupeKey'])
@Index('mail_feedback_campaign_id_idx', ['campaignId', 'kind'])
@Index('mail_feedback_subscriber_id_idx', ['subscriberId', 'createdAt'])
@Index('mail_feedback_created_at_idx', ['createdAt'])
@Index('mail_feedback_delivery_id_idx', ['deliveryId'])
@Check(
  'mail_feedback_source_check',
  `source IN ('dsn','arf','mailto','smtp','webhook','ses','postmark','mailgun','sendgrid')`,
)
@Check('mail_feedback_kind_check', `kind IN ('hard-bounce','soft-bounce','complaint','unsubscribe')`)
export class MailFeedback {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'mail_feedback_pkey',
  })
  id!: number;

  @Column({ type: 'varchar', length: 16 })
  source!: FeedbackSource;

  /** The event's identity within its source (a provider's event id, a DSN's Message-ID and recipient, ...). */
  @Column({ name: 'dedupe_key', type: 'varchar', length: 200 })
  dedupeKey!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: FeedbackKind;

  @Column({ name: 'delivery_id', type: 'bigint', nullable: true })
  deliveryId!: number | null;

  @ManyToOne(() => Delivery, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'mail_feedback_delivery_id_fkey' })
  delivery?: Delivery;

  @Column({ name: 'campaign_id', type: 'int', nullable: true })
  campaignId!: number | null;

  @ManyToOne(() => Campaign, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'mail_feedback_campaign_id_fkey' })
  campaign?: Campaign;

  @Column({ name: 'subscriber_id', type: 'int', nullable: true })
  subscriberId!: number | null;

  @ManyToOne(() => Subscriber, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'subscriber_id', foreignKeyConstraintName: 'mail_feedback_subscriber_id_fkey' })
  subscriber?: Subscriber;

  @Column({ name: 'inbound_message_id', type: 'bigint', nullable: true })
  inboundMessageId!: number | null;

  @ManyToOne(() => InboundMessage, { onDelete: 'SET NULL' })
  @JoinColumn({
    name: 'inbound_message_id',
    foreignKeyConstraintName: 'mail_feedback_inbound_message_id_fkey',
  })
  inboundMessage?: InboundMessage;

  /** Enhanced status code (RFC 3463), e.g. 5.1.1, when the source gives one. */
  @Column({ name: 'status_code', type: 'varchar', length: 16, nullable: true })
  statusCode!: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  detail!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
