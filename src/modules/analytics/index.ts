export {
  computeDrivers, countAtRisk, setAtRiskTriggers, getDriverBadges, getDrivers, listAtRiskContacts, rebuildAtRisk, refreshAtRiskContacts, refreshDrivers, refreshReadDrivers,
  MIN_OVERLAP, type AtRiskPage, type AtRiskQuery, type DriverItem, type DriversQuery, type DriversResult,
} from './analytics.service';
export { ANALYTICS_QUEUES, createAnalyticsQueues, defaultDriverScopes, enqueueDrivers, startAnalyticsJobs } from './analytics.jobs';
export { AT_RISK_REASONS, type AtRiskReason } from './queries/refreshAtRisk';
