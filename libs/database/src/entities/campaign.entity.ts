import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Edition } from './edition.entity';
import { User } from './user.entity';

export enum CampaignStatus {
  Scheduled = 'scheduled',
  Running = 'running',
  Paused = 'paused',
  Cancelled = 'cancelled',
  Completed = 'completed',
}

@Entity('campaign')
@Unique('campaign_edition_id_key', ['editionId'])
@Check('campaign_status_check', `status IN ('scheduled','running','paused','cancelled','completed')`)
export class Campaign {
  @PrimaryGeneratedColumn('identity', {
    type: 'int',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'campaign_pkey',
  })
  id!: number;

  /** One full send per edition (unique). */
  @Column({ name: 'edition_id', type: 'int' })
  editionId!: number;

  @ManyToOne(() => Edition)
  @JoinColumn({ name: 'edition_id', foreignKeyConstraintName: 'campaign_edition_id_fkey' })
  edition?: Edition;

  @Column({ type: 'varchar', length: 16 })
  status!: CampaignStatus;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt!: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** Set once the fan-out has recorded the snapshot and enqueued every range job (campaign_range). */
  @Column({ name: 'fanned_out_at', type: 'timestamptz', nullable: true })
  fannedOutAt!: Date | null;

  /** When the recipient snapshot was taken: readers confirmed later are not recipients of this campaign. */
  @Column({ name: 'snapshot_at', type: 'timestamptz', nullable: true })
  snapshotAt!: Date | null;

  /** The highest subscriber id the snapshot can hold (the last range ends there). */
  @Column({ name: 'snapshot_max_subscriber_id', type: 'int', nullable: true })
  snapshotMaxSubscriberId!: number | null;

  /**
   * Last time a job moved the campaign's ledger (a range written, a batch claimed, outcomes recorded), at most
   * once a second: the orphan check reads this instead of scanning every delivery row of the campaign.
   */
  @Column({ name: 'progressed_at', type: 'timestamptz', nullable: true })
  progressedAt!: Date | null;

  @Column({ type: 'int', default: 0 })
  total!: number;

  @Column({ name: 'pause_reason', type: 'varchar', length: 500, nullable: true })
  pauseReason!: string | null;

  @Column({ name: 'consecutive_failures', type: 'int', default: 0 })
  consecutiveFailures!: number;

  /** Who sent the edition despite failed pre-send checks (null: nobody overrode, or the bootstrap token). */
  @Column({ name: 'override_by', type: 'int', nullable: true })
  overrideBy!: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'override_by', foreignKeyConstraintName: 'campaign_override_by_fkey' })
  overrideByUser?: User;

  /** The failed checks overridden ({id, label, detail}[]), as the editor saw them; null without an override. */
  @Column({ name: 'override_checks', type: 'jsonb', nullable: true })
  overrideChecks!: unknown[] | null;

  @Column({ name: 'override_at', type: 'timestamptz', nullable: true })
  overrideAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
