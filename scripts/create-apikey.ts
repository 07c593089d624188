// npm run apikey:create -- --name NAME : prints the new key alone on the last line (it is shown only once).
import { parseArgs } from 'node:util';
import { bootstrap } from '../src/bootstrap';
import { createApiKey } from '../src/modules/auth';

async function main() {
  const { values } = parseArgs({ options: { name: { type: 'string' } } });
  const name = values.name?.trim();
  if (!name || name.length > 100) {
    process.stderr.write('Usage: npm run apikey:create -- --name NAME (1 to 100 characters)\n');
    process.exit(2);
  }
  const { database } = await bootstrap({ logLevel: 'warn' });
  try {
    const { key } = await createApiKey(database.db, name);
    process.stdout.write(`Created API key "${name}". Store it now: it is not shown again.\n${key}\n`);
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`Could not create the API key: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
