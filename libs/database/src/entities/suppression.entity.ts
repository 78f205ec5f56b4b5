import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Addresses erased on request, kept only as a keyed hash so that an import cannot silently re-add a
 * person who asked to be forgotten. No address is recoverable from it.
 */
@Entity('suppression')
export class Suppression {
  @PrimaryColumn({
    name: 'email_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'suppression_pkey',
  })
  emailHash!: string;

  @Column({ type: 'varchar', length: 32 })
  reason!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
