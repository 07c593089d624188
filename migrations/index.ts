// Every migration, in order. Listed explicitly so the same list runs from ts-jest and from the build.
import { CreateCoreSchema1763800000000 } from './1763800000000-CreateCoreSchema';
import { CreateSessions1763800001000 } from './1763800001000-CreateSessions';
import { CreateContactImports1763800200000 } from './1763800200000-CreateContactImports';
import { AddScoreRollups1763800300000 } from './1763800300000-AddScoreRollups';
import { AddEmailDelivery1763800400000 } from './1763800400000-AddEmailDelivery';
import { StoreContactImportFiles1763800500000 } from './1763800500000-StoreContactImportFiles';
import { AddMailboxRecipientAddresses1763800600000 } from './1763800600000-AddMailboxRecipientAddresses';
import { AddScoreDigest1763801000000 } from './1763801000000-AddScoreDigest';
import { AddCommentThemes1763802400000 } from './1763802400000-AddCommentThemes';

export const migrations = [
  CreateCoreSchema1763800000000,
  CreateSessions1763800001000,
  CreateContactImports1763800200000,
  AddScoreRollups1763800300000,
  AddEmailDelivery1763800400000,
  StoreContactImportFiles1763800500000,
  AddMailboxRecipientAddresses1763800600000,
  AddScoreDigest1763801000000,
  AddCommentThemes1763802400000,
];
