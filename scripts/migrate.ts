// npm run migrate: applies pending migrations (`-- --revert` undoes the last one).
import { parseArgs } from 'node:util';
import { bootstrap } from '../src/bootstrap';

async function main() {
  const { values } = parseArgs({ options: { revert: { type: 'boolean', default: false } } });
  const { database } = await bootstrap({ logLevel: 'warn' });
  try {
    if (values.revert) {
      await database.db.undoLastMigration({ transaction: 'each' });
      process.stdout.write('Reverted the last migration.\n');
    } else {
      process.stdout.write('Migrations are up to date.\n');
    }
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
