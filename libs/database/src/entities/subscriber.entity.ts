import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum SubscriberStatus {
  Pending = 'pending',
  Confirmed = 'confirmed',
  Unsubscribed = 'unsubscribed',
  Bounced = 'bounced',
  Complained = 'complained',
}

/** Email uniqueness is case-insensitive: a unique index on lower(email) lives in the migration. */
@Entity('subscriber')
export class Subscriber {
  @PrimaryGeneratedColumn('identity', { type: 'int' })
  id!: number;

  /** Random subject of link tokens; rotated on erasure so every old link dies. */
  @Column({ type: 'uuid', default: () => 'gen_random_uuid()' })
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

  @Column({ name: 'soft_bounce_count', type: 'int', default: 0 })
  softBounceCount!: number;

  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
