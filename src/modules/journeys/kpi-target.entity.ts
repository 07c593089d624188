import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MetricKind } from '../metrics/scoring';

/** A target for one metric, on the whole journey (both ids null), a stage, or a touchpoint. */
@Entity('kpi_targets')
export class KpiTarget {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text' }) metric: MetricKind;
  @Column({ type: 'integer', name: 'stage_id', nullable: true }) stageId: number | null;
  @Column({ type: 'integer', name: 'touchpoint_id', nullable: true }) touchpointId: number | null;
  @Column({ type: 'numeric', precision: 6, scale: 2, transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  target: number;
}
