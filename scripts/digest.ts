// npm run digest -- --now [--wait-seconds 300]
//   Sends the digests of the last complete period now: last week's to the weekly recipients (users and the
//   extra addresses of Settings) and yesterday's to the users who chose daily — still at most one per
//   recipient and period, whatever ran before (the scheduler, another --now, a crashed run). It sends the
//   emails itself, through the app's job queue, and waits until they are out (or hands the rest to the
//   app's workers after --wait-seconds).
// npm run digest -- --preview [--to EMAIL] [--lang vi|en] [--daily] [--html]
//   Builds last week's (or yesterday's) digest and prints its text (or HTML), or sends it to EMAIL.
//   A preview marks nothing: the real digest still goes out as scheduled.
import { parseArgs } from 'node:util';
import Joi from 'joi';
import { bootstrap } from '../src/bootstrap';
import { JobQueue } from '../src/jobs';
import { createMailer } from '../src/mail';
import {
  CHART_CID, countPendingDigestDeliveries, createDigestQueues, currentDigests, dispatchDigest, previewDigest, startDigestDelivery, UNSUBSCRIBE_PLACEHOLDER,
} from '../src/modules/digest';
import { getSettings } from '../src/modules/settings';

const USAGE = 'Usage: npm run digest -- --now [--wait-seconds N]\n       npm run digest -- --preview [--to EMAIL] [--lang vi|en] [--daily] [--html]\n';

function usage(): never {
  process.stderr.write(USAGE);
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      now: { type: 'boolean', default: false }, preview: { type: 'boolean', default: false },
      to: { type: 'string' }, lang: { type: 'string' }, daily: { type: 'boolean', default: false }, html: { type: 'boolean', default: false },
      'wait-seconds': { type: 'string', default: '300' },
    },
  });
  if (values.now === values.preview) usage();
  if (values.to !== undefined && Joi.string().email({ tlds: false }).max(254).validate(values.to).error) usage();
  if (values.lang !== undefined && values.lang !== 'vi' && values.lang !== 'en') usage();
  const waitSeconds = Number(values['wait-seconds']);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 86_400) usage();

  const { config, logger, database } = await bootstrap({ logLevel: 'warn' });
  const db = database.db;
  try {
    const settings = await getSettings(db);
    const [week, day] = currentDigests(new Date(), settings.timeZone);

    if (values.preview) {
      const locale = values.lang === 'vi' || values.lang === 'en' ? values.lang : settings.defaultLocale;
      const preview = await previewDigest(db, config, { period: values.daily ? day : week, locale });
      // A preview has no delivery to unsubscribe from: its link leads to the reader's digest settings.
      const fill = (s: string) => s.replaceAll(UNSUBSCRIBE_PLACEHOLDER, `${config.baseUrl}/profile/digest`);
      if (!values.to) {
        process.stdout.write(values.html ? fill(preview.html.user) : fill(preview.text.user));
        return;
      }
      const mailer = createMailer({ db, config, logger });
      try {
        await mailer.send({
          to: values.to,
          subject: `[Preview] ${preview.subject}`,
          html: fill(preview.html.user),
          text: fill(preview.text.user),
          attachments: preview.chartPng ? [{ filename: 'trend.png', content: preview.chartPng, contentType: 'image/png', cid: CHART_CID }] : [],
        });
      } finally {
        mailer.close();
      }
      process.stdout.write(`Preview of "${preview.subject}" sent to ${values.to} (${mailer.mode}); nothing was marked as sent.\n`);
      return;
    }

    const queue = new JobQueue(db, logger);
    const boss = await queue.start();
    const mailer = createMailer({ db, config, logger });
    try {
      await createDigestQueues(boss);
      const periods = [week, day];
      for (const period of periods) {
        const outcome = await dispatchDigest({ db, config, boss }, period);
        const what = { queued: `${outcome.queued} emails queued (content built in ${outcome.buildMs} ms)`, already: 'already sent before: nothing new to send',
          skipped_empty: 'no answers in the period: no digest (Settings)', no_recipients: 'nobody receives it' }[outcome.status];
        process.stdout.write(`${period.frequency} digest ${period.from}${period.to === period.from ? '' : ` – ${period.to}`}: ${what}\n`);
      }
      const keys = periods.map((p) => p.key);
      const delivery = startDigestDelivery({ db, config, logger, boss, mailer }, { pollIntervalMs: 200 });
      const started = Date.now();
      let pending = await countPendingDigestDeliveries(db, keys);
      let reported = Date.now();
      while (pending > 0 && Date.now() - started < waitSeconds * 1000) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        pending = await countPendingDigestDeliveries(db, keys);
        if (Date.now() - reported > 5000) {
          reported = Date.now();
          process.stdout.write(`  ${pending} still to send…\n`);
        }
      }
      await delivery.stop();
      process.stdout.write(pending === 0 ? 'Every digest of these periods is out.\n'
        : `${pending} emails are still queued: the app's job worker sends them (each at most once).\n`);
    } finally {
      mailer.close();
      await queue.stop();
    }
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`The digest failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
