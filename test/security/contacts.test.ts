import { describeBadInput } from './harness';
import { PLANS } from './plans';

/** Contacts (list, edit, erase, CSV import and export), sending invitations, and the built-in mailbox that receives them. */
describeBadInput('bad input: contacts, sending and the mailbox', { area: 'contacts', plans: PLANS });
