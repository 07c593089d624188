import type { DataSource } from 'typeorm';

/** What a respondent's visit writes besides the answer itself (that is recordResponse, in responses). */

/** The first time the invitation's page is opened; later visits keep that time. */
export async function markInvitationOpened(db: DataSource, invitationId: string): Promise<void> {
  await db.query(`UPDATE invitations SET opened_at = now() WHERE id = $1 AND opened_at IS NULL`, [invitationId]);
}

/**
 * Active surveys as a respondent's page last read them, for one second: an answer posted to a survey read
 * that recently is written without reading it again (the write itself checks that the survey is still
 * active and of that kind: see recordResponse's onlyIfActive). The last copy also lets the form be shown
 * again, with the answer in it, while the database cannot be reached.
 */
export class RecentSurveys<T extends { id: string; status: string }> {
  private readonly entries = new Map<string, { survey: T; at: number }>();

  constructor(private readonly ttlMs = 1000, private readonly max = 500) {}

  fresh(id: string): T | null {
    const e = this.entries.get(id);
    return e && Date.now() - e.at < this.ttlMs ? e.survey : null;
  }

  /** The last copy however old, for the "please try again" form. */
  last(id: string): T | null {
    return this.entries.get(id)?.survey ?? null;
  }

  remember(survey: T | null): void {
    if (!survey) return;
    if (survey.status !== 'active') {
      this.entries.delete(survey.id);
      return;
    }
    this.entries.delete(survey.id);
    this.entries.set(survey.id, { survey, at: Date.now() });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
