export { digestPagesRouter } from './digest.pages';
export { digestUnsubscribeRouter } from './digest.routes';
export {
  createDigestQueues, DEFAULT_DIGEST_DELIVERY, startDigestDelivery, startDigestJobs,
  type DigestDeliveryOptions, type DigestJobsDeps, type DigestJobsOptions,
} from './digest.jobs';
export {
  buildDigest, countPendingDigestDeliveries, DIGEST_QUEUES, dispatchDigest, dispatchDueDigests, previewDigest, recoverExpiredDigestClaims,
  type BuiltDigest, type DispatchOutcome,
} from './digest.service';
export { currentDigests, dayPeriod, dueDigests, lastCompleteWeek, weekPeriod, type DigestPeriod } from './digest.period';
export { UNSUBSCRIBE_PLACEHOLDER } from './digest.view';
export { CHART_CID, renderDigestContent } from './digest.email';
export type { DigestReport, ScoreFigure } from './digest.report';
