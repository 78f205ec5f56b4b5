import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Campaign } from './campaign.entity';
import { Delivery } from './delivery.entity';

/** link_index of the open pixel's rows. */
export const OPEN_LINK_INDEX = -1;

/**
 * Clicks per campaign, link and hour (issue 15), human and machine apart: what every tracking mode but
 * `off` keeps. It names no reader. Written in batches by the API's click buffer.
 */
@Entity('campaign_click')
@Check('campaign_click_link_index_check', `link_index >= -1`)
export class CampaignClick {
  @PrimaryColumn({ name: 'campaign_id', type: 'int', primaryKeyConstraintName: 'campaign_click_pkey' })
  campaignId!: number;

  @ManyToOne(() => Campaign, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'campaign_click_campaign_id_fkey' })
  campaign?: Campaign;

  /** The link's index in the edition (withTrackedLinks); -1: the open pixel. */
  @PrimaryColumn({ name: 'link_index', type: 'int', primaryKeyConstraintName: 'campaign_click_pkey' })
  linkIndex!: number;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'campaign_click_pkey' })
  hour!: Date;

  @Column({ type: 'bigint', default: 0 })
  human!: number;

  @Column({ type: 'bigint', default: 0 })
  machine!: number;
}

/** One click (or open) of one delivery: TRACKING=individual only; deleted with the reader's erasure. */
@Entity('delivery_click')
@Index('delivery_click_delivery_id_idx', ['deliveryId', 'id'])
@Check('delivery_click_link_index_check', `link_index >= -1`)
export class DeliveryClick {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'delivery_click_pkey',
  })
  id!: number;

  @Column({ name: 'delivery_id', type: 'bigint' })
  deliveryId!: number;

  @ManyToOne(() => Delivery, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'delivery_click_delivery_id_fkey' })
  delivery?: Delivery;

  @Column({ name: 'link_index', type: 'int' })
  linkIndex!: number;

  @Column({ type: 'boolean' })
  machine!: boolean;

  @Column({ name: 'clicked_at', type: 'timestamptz' })
  clickedAt!: Date;
}
