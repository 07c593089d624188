import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Contact } from '../contacts/contact.entity';
import { Survey } from '../surveys/survey.entity';

/**
 * queued → sending (claimed by a worker, with a lease) → sent | failed (permanent rejection, or retries
 * exhausted); cancelled when the mail must no longer go out (unsubscribed, contact deleted, survey closed).
 */
export type InvitationStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';

@Entity('invitations')
export class Invitation {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid', name: 'survey_id' }) surveyId: string;
  @ManyToOne(() => Survey, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'survey_id' })
  survey?: Survey;
  @Column({ type: 'uuid', name: 'contact_id', nullable: true }) contactId: string | null;
  @ManyToOne(() => Contact, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'contact_id' })
  contact?: Contact | null;
  /** 128 random bits, base64url: the only secret in an invitation link. */
  @Column({ type: 'text' }) token: string;
  @Column({ type: 'text' }) channel: 'email' | 'link' | 'api';
  @Column({ type: 'text' }) status: InvitationStatus;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ type: 'timestamptz', name: 'sent_at', nullable: true }) sentAt: Date | null;
  @Column({ type: 'timestamptz', name: 'opened_at', nullable: true }) openedAt: Date | null;
  @Column({ type: 'timestamptz', name: 'responded_at', nullable: true }) respondedAt: Date | null;
  @Column({ type: 'timestamptz', name: 'reminded_at', nullable: true }) remindedAt: Date | null;
  /** The send batch (API call or dashboard send) that created the invitation. */
  @Column({ type: 'uuid', name: 'batch_id', nullable: true }) batchId: string | null;
  @Column({ type: 'integer' }) attempts: number;
  /** While status is 'sending': the worker's lease; after it, another worker may take the mail over. */
  @Column({ type: 'timestamptz', name: 'claimed_until', nullable: true }) claimedUntil: Date | null;
  @Column({ type: 'timestamptz', name: 'reminder_queued_at', nullable: true }) reminderQueuedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}
