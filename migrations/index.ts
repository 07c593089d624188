// Every migration, in order. Listed explicitly so the same list runs from ts-jest and from the build.
import { CreateCoreSchema1763800000000 } from './1763800000000-CreateCoreSchema';
import { CreateSessions1763800001000 } from './1763800001000-CreateSessions';

export const migrations = [
  CreateCoreSchema1763800000000,
  CreateSessions1763800001000,
];
