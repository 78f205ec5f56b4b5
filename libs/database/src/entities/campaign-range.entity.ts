import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Campaign } from './campaign.entity';

/**
 * One slice of a campaign's recipient snapshot, by subscriber id (issue 16: fan-out as ranges). Its job
 * (DeliverRange) writes the ledger rows of the slice and enqueues their DeliverBatch jobs, then sets
 * `done_at`; a campaign completes only when none of its ranges is open.
 */
@Entity('campaign_range')
@Check('campaign_range_ids_check', `first_subscriber_id <= last_subscriber_id`)
// A campaign's open ranges: completion, recovery of range jobs lost with Redis, the console's progress.
@Index('campaign_range_open_idx', ['campaignId', 'id'], { where: `done_at IS NULL` })
export class CampaignRange {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'campaign_range_pkey',
  })
  id!: number;

  @Column({ name: 'campaign_id', type: 'int' })
  campaignId!: number;

  @ManyToOne(() => Campaign, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'campaign_range_campaign_id_fkey' })
  campaign?: Campaign;

  @Column({ name: 'first_subscriber_id', type: 'int' })
  firstSubscriberId!: number;

  @Column({ name: 'last_subscriber_id', type: 'int' })
  lastSubscriberId!: number;

  @Column({ name: 'done_at', type: 'timestamptz', nullable: true })
  doneAt!: Date | null;
}
