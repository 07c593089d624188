// npm run user:create -- --email E --password P --role admin|editor|viewer [--name N] [--locale vi|en]
import { parseArgs } from 'node:util';
import { bootstrap } from '../src/bootstrap';
import { DomainError } from '../src/domain-error';
import { createUser, type Role } from '../src/modules/auth';

async function main() {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, locale: { type: 'string' } },
  });
  const { database } = await bootstrap({ logLevel: 'warn' });
  try {
    const user = await createUser(database.db, {
      email: values.email ?? '', password: values.password ?? '', role: (values.role ?? '') as Role,
      name: values.name, locale: values.locale as 'vi' | 'en' | undefined,
    });
    process.stdout.write(`Created ${user.role} ${user.email}\n`);
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  const details = err instanceof DomainError && err.options.details?.length ? `: ${err.options.details.map((d) => d.message).join('; ')}` : '';
  process.stderr.write(`Could not create the user${details || `: ${err instanceof Error ? err.message : String(err)}`}\n`);
  process.exit(1);
});
