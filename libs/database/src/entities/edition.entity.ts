import type { EditionContent } from '@app/content';
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
import { Publication } from './publication.entity';

export enum EditionStatus {
  Draft = 'draft',
  Scheduled = 'scheduled',
  Sending = 'sending',
  Sent = 'sent',
}

@Entity('edition')
@Unique('edition_publication_id_slug_key', ['publicationId', 'slug'])
@Check('edition_slug_check', `slug ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`)
@Check('edition_status_check', `status IN ('draft','scheduled','sending','sent')`)
export class Edition {
  @PrimaryGeneratedColumn('identity', {
    type: 'int',
    generatedIdentity: 'BY DEFAULT',
    primaryKeyConstraintName: 'edition_pkey',
  })
  id!: number;

  @Column({ name: 'publication_id', type: 'int' })
  publicationId!: number;

  @ManyToOne(() => Publication)
  @JoinColumn({ name: 'publication_id', foreignKeyConstraintName: 'edition_publication_id_fkey' })
  publication?: Publication;

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
