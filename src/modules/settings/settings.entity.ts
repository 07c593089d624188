import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('settings')
export class Settings {
  @PrimaryColumn({ type: 'smallint' }) id: number;
  @Column({ type: 'text' }) brand: string;
  @Column({ type: 'text', name: 'time_zone' }) timeZone: string;
  @Column({ type: 'text', name: 'default_locale' }) defaultLocale: 'vi' | 'en';
  @Column({ type: 'integer', name: 'recontact_days' }) recontactDays: number;
  @Column({ type: 'integer', name: 'reminder_days' }) reminderDays: number;
  @Column({ type: 'smallint', name: 'digest_weekday' }) digestWeekday: number;
  @Column({ type: 'smallint', name: 'digest_hour' }) digestHour: number;
  @Column({ type: 'text', array: true, name: 'digest_recipients' }) digestRecipients: string[];
  @Column({ type: 'boolean', name: 'digest_skip_empty' }) digestSkipEmpty: boolean;
  @Column({ type: 'text', array: true, name: 'alert_recipients' }) alertRecipients: string[];
  /** Key drivers: a relationship NPS is a touchpoint answer's outcome within this many days after it. */
  @Column({ type: 'integer', name: 'driver_window_days' }) driverWindowDays: number;
  /** At-risk contacts: an open detractor follow-up older than this many days. */
  @Column({ type: 'integer', name: 'at_risk_follow_up_days' }) atRiskFollowUpDays: number;
  @Column({ type: 'timestamptz', name: 'updated_at' }) updatedAt: Date;
}
