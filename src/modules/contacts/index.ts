export { Contact, type ContactAttributes } from './contact.entity';
export { upsertContacts, findOrCreateContact } from './contacts.service';
export { emailSchema, attributesSchema, MAX_CONTACTS_PER_REQUEST, type ContactInput } from './contacts.schemas';
export { runContactImport, failContactImport, type ContactImportRun, type ContactImportRunOptions } from './contact-imports.service';
