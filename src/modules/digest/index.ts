export { digestPagesRouter } from './digest.pages';
export { digestUnsubscribeRouter } from './digest.routes';
export {
  createDigestQueues, startDigestDelivery, startDigestJobs, type DigestDeliveryOptions, type DigestJobsOptions,
} from './digest.jobs';
export {
  buildDigest, countPendingDigestDeliveries, DIGEST_QUEUES, dispatchDigest, dispatchDueDigests, previewDigest, type DispatchOutcome,
} from './digest.service';
export { currentDigests, dayPeriod, dueDigests, lastCompleteWeek, weekPeriod, type DigestPeriod } from './digest.period';
export { UNSUBSCRIBE_PLACEHOLDER } from './digest.view';
export { CHART_CID, renderDigestContent } from './digest.email';
