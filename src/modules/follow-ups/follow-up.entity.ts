import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type FollowUpStatus = 'open' | 'in_progress' | 'closed';

@Entity('follow_ups')
export class FollowUp {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'bigint', name: 'response_id' }) responseId: string;
  @Column({ type: 'text' }) status: FollowUpStatus;
  @Column({ type: 'uuid', name: 'assignee_user_id', nullable: true }) assigneeUserId: string | null;
  @Column({ type: 'text' }) notes: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
  @Column({ type: 'timestamptz', name: 'closed_at', nullable: true }) closedAt: Date | null;
}
