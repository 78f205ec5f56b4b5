import type { EditionContent } from '@app/email';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum EditionStatus {
  Draft = 'draft',
  Scheduled = 'scheduled',
  Sending = 'sending',
  Sent = 'sent',
}

@Entity('edition')
@Index(['publicationId', 'slug'], { unique: true })
export class Edition {
  @PrimaryGeneratedColumn('identity', { type: 'int' })
  id!: number;

  @Column({ name: 'publication_id', type: 'int' })
  publicationId!: number;

  /** Issue month, "YYYY-MM". */
  @Column({ type: 'varchar', length: 7 })
  slug!: string;

  @Column({ type: 'varchar', length: 300 })
  subject!: string;

  @Column({ type: 'jsonb' })
  content!: EditionContent;

  @Column({ type: 'varchar', length: 16, default: EditionStatus.Draft })
  status!: EditionStatus;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
