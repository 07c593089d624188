import type { EntityManager } from 'typeorm';

/**
 * Contacts whose at-risk reasons may have changed with the clock alone since `since`: a follow-up still
 * not closed that reached the age limit, or a detractor answer that left the repeat window. Both are
 * index range reads over the time that passed (follow_ups by status and creation, responses by creation).
 */
export async function getClockedContacts(tx: EntityManager, q: { since: Date; now: Date; followUpDays: number; repeatDays: number }): Promise<string[]> {
  const rows: Array<{ id: string }> = await tx.query(
    `SELECT DISTINCT r.contact_id AS id FROM follow_ups f JOIN responses r ON r.id = f.response_id
     WHERE f.status IN ('open', 'in_progress') AND r.contact_id IS NOT NULL
       AND f.created_at > $1::timestamptz - $3 * interval '1 day' AND f.created_at <= $2::timestamptz - $3 * interval '1 day'
     UNION
     SELECT DISTINCT r.contact_id FROM responses r JOIN at_risk_contacts a ON a.contact_id = r.contact_id AND 'repeat_detractor' = ANY(a.reasons)
     WHERE r.created_at > $1::timestamptz - $4 * interval '1 day' AND r.created_at <= $2::timestamptz - $4 * interval '1 day'`,
    [q.since, q.now, q.followUpDays, q.repeatDays]);
  return rows.map((r) => r.id);
}
