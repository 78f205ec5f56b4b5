import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export enum UserRole {
  Admin = 'admin',
  Editor = 'editor',
  Ops = 'ops',
}

@Entity('app_user')
@Unique('app_user_email_key', ['email'])
@Check('app_user_role_check', `role IN ('admin','editor','ops')`)
export class User {
  @PrimaryGeneratedColumn('identity', {
    type: 'int',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'app_user_pkey',
  })
  id!: number;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: UserRole;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** The TOTP secret, encrypted (AES-256-GCM, key derived from SECRET_KEY); null: no second factor. */
  @Column({ name: 'totp_secret', type: 'text', nullable: true })
  totpSecret!: string | null;

  /** A secret shown for enrolment and not yet confirmed by a code (encrypted too). */
  @Column({ name: 'totp_pending_secret', type: 'text', nullable: true })
  totpPendingSecret!: string | null;

  @Column({ name: 'totp_enabled_at', type: 'timestamptz', nullable: true })
  totpEnabledAt!: Date | null;

  /** The last accepted TOTP time step: a code of that step or an earlier one is refused (no replay). */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true })
  totpLastStep!: string | null;

  /** HMAC-SHA-256 (hex) of each unused recovery code. */
  @Column({ name: 'recovery_code_hashes', type: 'text', array: true, default: () => "'{}'" })
  recoveryCodeHashes!: string[];

  /** When an admin last reset the second factor, and who (null: the bootstrap token). */
  @Column({ name: 'totp_reset_at', type: 'timestamptz', nullable: true })
  totpResetAt!: Date | null;

  @Column({ name: 'totp_reset_by', type: 'int', nullable: true })
  totpResetBy!: number | null;
}
