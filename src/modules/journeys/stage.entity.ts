import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Localized } from '../../i18n';

export const FRAMEWORK_FIELDS = ['actions', 'motivations', 'questions', 'painPoints'] as const;
export type FrameworkField = (typeof FRAMEWORK_FIELDS)[number];
/** The journey framework notes of a stage, each in both languages. */
export type Framework = Partial<Record<FrameworkField, Partial<Localized>>>;

@Entity('stages')
export class Stage {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text' }) key: string;
  @Column({ type: 'text', name: 'name_vi' }) nameVi: string;
  @Column({ type: 'text', name: 'name_en' }) nameEn: string;
  @Column({ type: 'integer' }) position: number;
  @Column({ type: 'jsonb' }) framework: Framework;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
