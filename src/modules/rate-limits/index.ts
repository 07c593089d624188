export { sharedRateLimitStore, SharedRateLimitStore, RATE_LIMIT_SYNC_MS } from './rate-limit.service';
