import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Delivery } from './delivery.entity';
import { Subscriber } from './subscriber.entity';

export enum InboundStatus {
  /** Stored, answered 250; its processing job has not finished. */
  Received = 'received',
  /** Understood and acted on (or recorded: an auto-reply). */
  Processed = 'processed',
  /** Could not be understood: kept with its raw source for an operator. */
  Unparsed = 'unparsed',
  /** Understood, nothing to act on (a report for mail we did not send, a forged or stale token). */
  Ignored = 'ignored',
}

export enum InboundClassification {
  HardBounce = 'hard-bounce',
  SoftBounce = 'soft-bounce',
  Complaint = 'complaint',
  Unsubscribe = 'unsubscribe',
  AutoReply = 'auto-reply',
  Other = 'other',
}

/** A message the inbound SMTP server accepted: stored before its 250, processed from a job. */
@Entity('inbound_message')
@Index('inbound_message_received_idx', ['id'], { where: `status = 'received'` })
@Index('inbound_message_received_at_idx', ['receivedAt'])
@Index('inbound_message_subscriber_id_idx', ['subscriberId'])
@Index('inbound_message_delivery_id_idx', ['deliveryId'])
@Check('inbound_message_status_check', `status IN ('received','processed','unparsed','ignored')`)
@Check(
  'inbound_message_classification_check',
  `classification IN ('hard-bounce','soft-bounce','complaint','unsubscribe','auto-reply','other')`,
)
export class InboundMessage {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'inbound_message_pkey',
  })
  id!: number;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'remote_address', type: 'varchar', length: 64 })
  remoteAddress!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  helo!: string | null;

  /** Envelope sender; empty for the null sender `<>` that bounces use. */
  @Column({ name: 'mail_from', type: 'varchar', length: 320 })
  mailFrom!: string;

  @Column({ name: 'rcpt_to', type: 'varchar', length: 320, array: true })
  rcptTo!: string[];

  @Column({ type: 'int' })
  size!: number;

  @Column({ type: 'bytea' })
  raw!: Buffer;

  @Column({ type: 'varchar', length: 16, default: InboundStatus.Received })
  status!: InboundStatus;

  @Column({ type: 'varchar', length: 16, nullable: true })
  classification!: InboundClassification | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  detail!: string | null;

  @Column({ name: 'delivery_id', type: 'bigint', nullable: true })
  deliveryId!: number | null;

  @ManyToOne(() => Delivery, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'inbound_message_delivery_id_fkey' })
  delivery?: Delivery;

  @Column({ name: 'subscriber_id', type: 'int', nullable: true })
  subscriberId!: number | null;

  @ManyToOne(() => Subscriber, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'subscriber_id', foreignKeyConstraintName: 'inbound_message_subscriber_id_fkey' })
  subscriber?: Subscriber;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
