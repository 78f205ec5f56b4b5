import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum DeliveryStatus {
  Queued = 'queued',
  Sending = 'sending',
  Sent = 'sent',
  Failed = 'failed',
  Bounced = 'bounced',
  Skipped = 'skipped',
}

/** One row per (campaign, subscriber): the ledger that makes a send resumable and countable. */
@Entity('delivery')
@Index(['campaignId', 'subscriberId'], { unique: true })
@Index(['campaignId', 'status'])
export class Delivery {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: number;

  @Column({ name: 'campaign_id', type: 'int' })
  campaignId!: number;

  @Column({ name: 'subscriber_id', type: 'int' })
  subscriberId!: number;

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
