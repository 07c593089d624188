import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { MetricKind } from '../metrics/scoring';
import { Stage } from '../journeys/stage.entity';
import { Touchpoint } from '../journeys/touchpoint.entity';

export const SURVEY_STATUSES = ['draft', 'active', 'closed'] as const;
export type SurveyStatus = (typeof SURVEY_STATUSES)[number];

@Entity('surveys')
export class Survey {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) kind: MetricKind;
  @Column({ type: 'text' }) title: string;
  @Column({ type: 'integer', name: 'touchpoint_id', nullable: true }) touchpointId: number | null;
  @ManyToOne(() => Touchpoint, { nullable: true })
  @JoinColumn({ name: 'touchpoint_id' })
  touchpoint?: Touchpoint | null;
  @Column({ type: 'integer', name: 'stage_id', nullable: true }) stageId: number | null;
  @ManyToOne(() => Stage, { nullable: true })
  @JoinColumn({ name: 'stage_id' })
  stage?: Stage | null;
  /** Null means the default wording of SPEC §2 for the survey's kind. */
  @Column({ type: 'text', name: 'question_vi', nullable: true }) questionVi: string | null;
  @Column({ type: 'text', name: 'question_en', nullable: true }) questionEn: string | null;
  @Column({ type: 'boolean', name: 'ask_comment' }) askComment: boolean;
  @Column({ type: 'text', name: 'comment_prompt_vi', nullable: true }) commentPromptVi: string | null;
  @Column({ type: 'text', name: 'comment_prompt_en', nullable: true }) commentPromptEn: string | null;
  @Column({ type: 'text', name: 'thank_you_vi', nullable: true }) thankYouVi: string | null;
  @Column({ type: 'text', name: 'thank_you_en', nullable: true }) thankYouEn: string | null;
  @Column({ type: 'text' }) status: SurveyStatus;
  @Column({ type: 'integer', name: 'recontact_days', nullable: true }) recontactDays: number | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
