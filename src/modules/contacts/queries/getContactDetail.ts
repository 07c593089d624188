import type { ContactListItem, Queryable } from './contactFilter';

export interface ContactDetail extends ContactListItem {
  updatedAt: Date;
  responses: number;
  invitations: number;
}

/** One contact with how many answers and invitations it has; null when there is no such contact. */
export async function getContactDetail(db: Queryable, id: string): Promise<ContactDetail | null> {
  const rows: ContactDetail[] = await db.query(
    `SELECT c.id, c.email, c.name, c.locale, c.attributes, c.unsubscribed_at AS "unsubscribedAt", c.created_at AS "createdAt",
       c.updated_at AS "updatedAt",
       (SELECT count(*)::int FROM responses r WHERE r.contact_id = c.id) AS responses,
       (SELECT count(*)::int FROM invitations i WHERE i.contact_id = c.id) AS invitations
     FROM contacts c WHERE c.id = $1`, [id]);
  return rows[0] ?? null;
}
