import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

export enum SubscriberStatus {
  Pending = 'pending',
  Confirmed = 'confirmed',
  Unsubscribed = 'unsubscribed',
  Bounced = 'bounced',
  Complained = 'complained',
}

/** Email uniqueness is case-insensitive: a unique index on lower(email) lives in the migration. */
@Entity('subscriber')
// TypeORM cannot describe an index on an expression; `synchronize: false` names it so the schema builder
// leaves it alone, and the migration stays its only definition (the schema test checks it exists).
@Index('subscriber_email_lower_uq', { synchronize: false })
@Unique('subscriber_uid_key', ['uid'])
@Check('subscriber_status_check', `status IN ('pending','confirmed','unsubscribed','bounced','complained')`)
// Fan-out pages through confirmed subscribers by id.
@Index('subscriber_confirmed_id_idx', ['id'], { where: `status = 'confirmed'` })
@Index('subscriber_status_id_idx', ['status', 'id'])
export class Subscriber {
  @PrimaryGeneratedColumn('identity', {
    type: 'int',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'subscriber_pkey',
  })
  id!: number;

  /** Random subject of link tokens; rotated on erasure so every old link dies. */
  // DEFAULT gen_random_uuid(): TypeORM reads that default back as a generated uuid, so it is declared as one.
  @Column({ type: 'uuid' })
  @Generated('uuid')
  uid!: string;

  /** Normalized address (trimmed, domain lowercased); null once erased. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  @Column({ type: 'varchar', length: 16, default: SubscriberStatus.Pending })
  status!: SubscriberStatus;

  @Column({ name: 'consent_at', type: 'timestamptz', nullable: true })
  consentAt!: Date | null;

  @Column({ name: 'consent_ip', type: 'varchar', length: 64, nullable: true })
  consentIp!: string | null;

  @Column({ name: 'consent_user_agent', type: 'varchar', length: 512, nullable: true })
  consentUserAgent!: string | null;

  /** Where consent came from: "form:hosted", "form:embed", "api", "import:<file>", "admin". */
  @Column({ name: 'consent_source', type: 'varchar', length: 100, nullable: true })
  consentSource!: string | null;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true })
  unsubscribedAt!: Date | null;

  @Column({ name: 'confirmation_sent_at', type: 'timestamptz', nullable: true })
  confirmationSentAt!: Date | null;

  /** When the welcome message went out (sent once per subscriber, after the first confirmation). */
  @Column({ name: 'welcome_sent_at', type: 'timestamptz', nullable: true })
  welcomeSentAt!: Date | null;

  /** Confirmation emails claimed in the current window (at most 3 a day until the address confirms). */
  @Column({ name: 'confirmation_count', type: 'int', default: 0 })
  confirmationCount!: number;

  /** When the current window of confirmation emails began (the first of them); null once confirmed. */
  @Column({ name: 'confirmation_window_at', type: 'timestamptz', nullable: true })
  confirmationWindowAt!: Date | null;

  @Column({ name: 'soft_bounce_count', type: 'int', default: 0 })
  softBounceCount!: number;

  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
