import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Campaign } from './campaign.entity';
import { Subscriber } from './subscriber.entity';

export enum DeliveryStatus {
  Queued = 'queued',
  Sending = 'sending',
  Sent = 'sent',
  Failed = 'failed',
  Bounced = 'bounced',
  /** The reader reported it as spam (a feedback-loop report or a provider's complaint). */
  Complained = 'complained',
  Skipped = 'skipped',
}

/** One row per (campaign, subscriber): the ledger that makes a send resumable and countable. */
@Entity('delivery')
@Unique('delivery_campaign_id_subscriber_id_key', ['campaignId', 'subscriberId'])
@Index('delivery_campaign_status_idx', ['campaignId', 'status', 'id'])
// A subscriber's deliveries, for erasure and the data export.
@Index('delivery_subscriber_id_idx', ['subscriberId'])
@Check(
  'delivery_status_check',
  `status IN ('queued','sending','sent','failed','bounced','complained','skipped')`,
)
export class Delivery {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'delivery_pkey',
  })
  id!: number;

  @Column({ name: 'campaign_id', type: 'int' })
  campaignId!: number;

  @ManyToOne(() => Campaign)
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'delivery_campaign_id_fkey' })
  campaign?: Campaign;

  @Column({ name: 'subscriber_id', type: 'int' })
  subscriberId!: number;

  @ManyToOne(() => Subscriber)
  @JoinColumn({ name: 'subscriber_id', foreignKeyConstraintName: 'delivery_subscriber_id_fkey' })
  subscriber?: Subscriber;

  @Column({ type: 'varchar', length: 16, default: DeliveryStatus.Queued })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_response', type: 'varchar', length: 1000, nullable: true })
  lastResponse!: string | null;

  /** Message-ID we generated; set before sending so a crashed send can be looked up at the SMTP side. */
  @Column({ name: 'message_id', type: 'varchar', length: 255, nullable: true })
  messageId!: string | null;

  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true })
  claimedAt!: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  /** Worker process (worker_heartbeat.id) that claimed it: a dead owner's in-flight sends are released. */
  @Column({ name: 'claimed_by', type: 'varchar', length: 100, nullable: true })
  claimedBy!: string | null;

  /** When a retry after a temporary failure is due. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
