// npm run seed:demo -- --responses N [--contacts C]: loads the demo journey, surveys, contacts and N responses.
import { parseArgs } from 'node:util';
import { bootstrap } from '../src/bootstrap';
import { seedDemoData } from '../src/modules/metrics';
import { rebuildCommentThemes, seedDemoTopics, setCommentLogTrigger } from '../src/modules/themes';
import { setEventCapture } from '../src/modules/alerts';
import { defaultDriverScopes, rebuildAtRisk, refreshDrivers, setAtRiskTriggers } from '../src/modules/analytics';

const USAGE = 'Usage: npm run seed:demo -- --responses N [--contacts C]   (N from 0 to 100000000, C from 1 to 1000000)\n';

function count(raw: string | undefined, fallback: number, max: number, min = 0): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  return n;
}

async function main() {
  const { values } = parseArgs({ options: { responses: { type: 'string' }, contacts: { type: 'string' } } });
  const responses = count(values.responses, 20_000, 100_000_000);
  // Default: about 25 answers per contact, 200 to 4,000 contacts (see demoContactsFor).
  const contacts = values.contacts === undefined ? undefined : count(values.contacts, 4000, 1_000_000, 1);
  const { database } = await bootstrap({ logLevel: 'warn', poolSize: 4 });
  const started = Date.now();
  try {
    // The comments are analysed in bulk afterwards (each distinct text once), not one by one through the log.
    await setCommentLogTrigger(database.db, false);
    // Loaded history is not news: no alerts or webhooks for it.
    await setEventCapture(database.db, false);
    // The at-risk list is rebuilt once at the end instead of queueing every loaded contact.
    await setAtRiskTriggers(database.db, false);
    const report = await seedDemoData(database.db, { responses, contacts, log: (line) => process.stdout.write(`${line}\n`) })
      .finally(async () => {
        await setEventCapture(database.db, true);
        await setAtRiskTriggers(database.db, true);
      });
    // A few team topics, so that the journey map shows a pain point per cell and the responses filter has topics.
    await seedDemoTopics(database.db);
    const themesStarted = Date.now();
    const themes = await rebuildCommentThemes(database.db);
    process.stdout.write(`themes: ${themes.comments.toLocaleString('en-US')} comments (${themes.texts} distinct texts) in ${((Date.now() - themesStarted) / 1000).toFixed(1)} s\n`);
    // Journey analytics as the nightly jobs would leave them: drivers of the pages' default periods, the at-risk list.
    const analyticsStarted = Date.now();
    for (const scope of await defaultDriverScopes(database.db)) await refreshDrivers(database.db, scope);
    const atRisk = await rebuildAtRisk(database.db);
    process.stdout.write(`analytics: drivers and ${atRisk.toLocaleString('en-US')} at-risk contacts (${report.churned.length} planted churners) in ${((Date.now() - analyticsStarted) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`Loaded ${report.responses.toLocaleString('en-US')} responses, ${report.invitations.toLocaleString('en-US')} invitations, ` +
      `${report.followUps.toLocaleString('en-US')} follow-ups for ${report.contacts.toLocaleString('en-US')} contacts in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`The demo data could not be loaded: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
