import { Campaign } from './campaign.entity';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Subscriber } from './subscriber.entity';

/** Append-only history of a subscriber's states and the consent evidence behind each change. */
@Entity('subscriber_event')
@Index('subscriber_event_subscriber_idx', ['subscriberId', 'id'])
@Index('subscriber_event_campaign_idx', ['campaignId', 'type'], { where: 'campaign_id IS NOT NULL' })
export class SubscriberEvent {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'subscriber_event_pkey',
  })
  id!: number;

  @Column({ name: 'subscriber_id', type: 'int' })
  subscriberId!: number;

  @ManyToOne(() => Subscriber, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscriber_id', foreignKeyConstraintName: 'subscriber_event_subscriber_id_fkey' })
  subscriber?: Subscriber;

  /** subscribed, confirmation_sent, confirmed, unsubscribed, resubscribed, bounced, complained, status_changed, imported, erased, name_changed */
  @Column({ type: 'varchar', length: 32 })
  type!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 16, nullable: true })
  fromStatus!: string | null;

  @Column({ name: 'to_status', type: 'varchar', length: 16, nullable: true })
  toStatus!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  source!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  detail!: string | null;

  /** The issue an unsubscribe came from (its link or mailto carried the campaign; issue 15). */
  @Column({ name: 'campaign_id', type: 'int', nullable: true })
  campaignId!: number | null;

  @ManyToOne(() => Campaign, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'subscriber_event_campaign_id_fkey' })
  campaign?: Campaign;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
