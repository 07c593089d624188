export { Contact, type ContactAttributes } from './contact.entity';
export { upsertContacts, findOrCreateContact } from './contacts.service';
export { emailSchema } from './contacts.schemas';
