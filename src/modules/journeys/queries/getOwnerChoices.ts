import type { DataSource } from 'typeorm';

/** A team member a touchpoint can be given to, as the touchpoint form lists them. */
export interface OwnerChoice {
  id: string;
  name: string;
  email: string;
}

/** Every user, by name (or email when unnamed), whatever the case. */
export async function getOwnerChoices(db: DataSource): Promise<OwnerChoice[]> {
  return db.query(`SELECT id, name, email FROM users ORDER BY lower(coalesce(nullif(name, ''), email))`);
}
