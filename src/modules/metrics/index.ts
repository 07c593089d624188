export * from './scoring';
export { getMetricsReport, distributionOf, type MetricGroup } from './metrics.service';
export { responseRate, type ResponseRate } from './queries/getResponseRate';
export { compactRollups } from './rollup';
