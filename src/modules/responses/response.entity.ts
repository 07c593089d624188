import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Locale } from '../../i18n';
import { Survey } from '../surveys/survey.entity';

export const RESPONSE_CHANNELS = ['email', 'link', 'qr', 'api'] as const;
export type ResponseChannel = (typeof RESPONSE_CHANNELS)[number];
export type HiddenFields = Record<string, string>;

@Entity('responses')
export class SurveyResponse {
  /** bigserial: returned by pg as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'uuid', name: 'survey_id' }) surveyId: string;
  @ManyToOne(() => Survey, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'survey_id' })
  survey?: Survey;
  @Column({ type: 'smallint' }) score: number;
  @Column({ type: 'text', nullable: true }) comment: string | null;
  @Column({ type: 'text' }) channel: ResponseChannel;
  @Column({ type: 'text' }) locale: Locale;
  @Column({ type: 'uuid', name: 'invitation_id', nullable: true }) invitationId: string | null;
  @Column({ type: 'uuid', name: 'contact_id', nullable: true }) contactId: string | null;
  @Column({ type: 'text', name: 'submission_key', nullable: true }) submissionKey: string | null;
  @Column({ type: 'jsonb' }) hidden: HiddenFields;
  @Column({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @Column({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
