import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type Role = 'admin' | 'editor' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'editor', 'viewer'];
/** How often a user receives the score digest (SPEC §6). */
export type DigestFrequency = 'weekly' | 'daily' | 'off';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) email: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', name: 'password_hash', select: false }) passwordHash: string;
  @Column({ type: 'text' }) role: Role;
  @Column({ type: 'text' }) locale: 'vi' | 'en';
  @Column({ type: 'text', name: 'digest_frequency' }) digestFrequency: DigestFrequency;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
