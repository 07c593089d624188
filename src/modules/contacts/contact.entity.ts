import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Locale } from '../../i18n';

export type ContactAttributes = Record<string, string | number | boolean>;

@Entity('contacts')
export class Contact {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) email: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) locale: Locale;
  @Column({ type: 'jsonb' }) attributes: ContactAttributes;
  @Column({ type: 'timestamptz', name: 'unsubscribed_at', nullable: true }) unsubscribedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
