import type { DataSource } from 'typeorm';

/** What a respondent's visit writes besides the answer itself (that is recordResponse, in responses). */

/** The first time the invitation's page is opened; later visits keep that time. */
export async function markInvitationOpened(db: DataSource, invitationId: string): Promise<void> {
  await db.query(`UPDATE invitations SET opened_at = now() WHERE id = $1 AND opened_at IS NULL`, [invitationId]);
}
