import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Stage } from './stage.entity';
import { User } from '../auth/user.entity';

export const TOUCHPOINT_CHANNELS = ['website', 'email', 'social', 'phone', 'chat', 'store', 'office', 'loyalty', 'ads', 'other'] as const;
export type TouchpointChannel = (typeof TOUCHPOINT_CHANNELS)[number];

@Entity('touchpoints')
export class Touchpoint {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text' }) key: string;
  @Column({ type: 'integer', name: 'stage_id' }) stageId: number;
  @ManyToOne(() => Stage, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'stage_id' })
  stage?: Stage;
  @Column({ type: 'text', name: 'name_vi' }) nameVi: string;
  @Column({ type: 'text', name: 'name_en' }) nameEn: string;
  @Column({ type: 'text' }) channel: TouchpointChannel;
  @Column({ type: 'uuid', name: 'owner_user_id', nullable: true }) ownerUserId: string | null;
  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'owner_user_id' })
  owner?: User | null;
  @Column({ type: 'integer' }) position: number;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
