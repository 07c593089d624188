export * from './scoring';
export { getMetricsReport, distributionOf, type MetricGroup } from './metrics.service';
export { resolveDayRange, previousRange, type DayRange } from './date-range';
