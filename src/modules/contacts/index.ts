export { Contact, type ContactAttributes } from './contact.entity';
export { upsertContacts, findOrCreateContact } from './contacts.service';
export { runContactImport, failContactImport, type ContactImportRun } from './contact-imports.service';
