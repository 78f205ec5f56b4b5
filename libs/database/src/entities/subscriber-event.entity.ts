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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
