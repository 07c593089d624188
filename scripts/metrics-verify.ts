// npm run metrics:verify [-- --rebuild]: recomputes the score histograms from raw responses and compares
// every rollup with them: response_daily per (survey, org-day, channel, score), and both cumulative
// rollups on every day up to their horizon, each with the deltas not folded yet; and the segment rollups of
// every chosen dimension (with --rebuild they are recounted here too). Exit 1 on any difference.
import { parseArgs } from 'node:util';
import { bootstrap } from '../src/bootstrap';
import { foldSegmentRollups, rebuildRollups, verifyRollups, verifySegmentRollups } from '../src/modules/metrics';

async function main() {
  const { values } = parseArgs({ options: { rebuild: { type: 'boolean', default: false }, limit: { type: 'string', default: '20' } } });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    process.stderr.write('Usage: npm run metrics:verify [-- --rebuild] [--limit N]\n');
    process.exit(2);
  }
  const { database } = await bootstrap({ logLevel: 'warn' });
  try {
    const started = Date.now();
    if (values.rebuild) {
      // The way out after an interrupted bulk load: switches the triggers back on and recomputes.
      await rebuildRollups(database.db, { enableTrigger: true });
      // The rebuild marks the segment dimensions stale; the app's folder would recount them, this does it now.
      await foldSegmentRollups(database.db);
      process.stdout.write(`Rebuilt the rollups from raw responses in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    }
    const report = await verifyRollups(database.db, { limit });
    process.stdout.write(`Checked ${report.responses.toLocaleString('en-US')} responses against the rollups (${report.unfolded.toLocaleString('en-US')} delta rows not folded yet, counted) in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    for (const [table, count] of Object.entries(report.differenceCounts)) {
      process.stdout.write(`  ${table}: ${count === 0 ? 'no difference' : `${count.toLocaleString('en-US')} key(s) differ`}\n`);
    }
    for (const d of report.differences) {
      process.stdout.write(`  ${d.table} ${JSON.stringify(d.key)}: raw ${d.raw}, rollup ${d.rollup}\n`);
    }
    if (report.disabledTriggers.length) {
      process.stdout.write(`  the rollup trigger(s) ${report.disabledTriggers.join(', ')} are DISABLED (an interrupted bulk load?): run npm run metrics:verify -- --rebuild\n`);
    }
    const segments = await verifySegmentRollups(database.db, { limit });
    process.stdout.write(`  segment rollups: ${segments.dimensions} dimension(s), ${segments.differenceCount === 0 ? 'no difference' : `${segments.differenceCount.toLocaleString('en-US')} key(s) differ`}${segments.stale.length ? `; being counted by the app: ${segments.stale.join(', ')}` : ''}\n`);
    for (const d of segments.differences) {
      process.stdout.write(`  ${d.table} ${JSON.stringify({ dimension: d.dimension, value: d.value, [d.table === 'segment_kind_cum' ? 'kind' : 'survey_id']: d.key, day: d.day, score: d.score })}: raw ${d.raw}, rollup ${d.rollup}\n`);
    }
    const failed = report.disabledTriggers.length > 0 || Object.values(report.differenceCounts).some((n) => n > 0) || segments.differenceCount > 0;
    process.stdout.write(failed ? 'DIFFERENCES FOUND\n' : 'OK: the rollups equal a recomputation from raw responses.\n');
    process.exitCode = failed ? 1 : 0;
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`metrics:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
