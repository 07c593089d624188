export * from './scoring';
export { getMetricsReport, distributionOf, type MetricGroup } from './metrics.service';
export { FILTER_NAMES, parseDashboardFilters, filterQuery, type AttributeFilter, type DashboardFilters, type FilterName } from './filters';
export { getJourneyCatalog, targetFor, type CatalogStage, type CatalogTouchpoint, type CatalogSurvey, type CatalogTarget, type JourneyCatalog } from './queries/getJourneyCatalog';
export { getHistogramRows, type Bucket, type HistogramPer, type HistogramRow, type HistogramScope } from './queries/getHistogramRows';
export { getJourneyMapScores, type JourneyMapScores, type JourneyMapScoreRow } from './queries/getJourneyMapScores';
export { getJourneyOutline, type JourneyOutline, type StageKind } from './queries/getJourneyOutline';
export { getTouchpointsById, type ShownTouchpoint } from './queries/getTouchpointsById';
export { getJourneyTargets } from './queries/getJourneyTargets';
export { searchStageTouchpoints } from './queries/searchStageTouchpoints';
export { weekBuckets } from './queries/getScoreHistograms';
export { getResponseRate, responseRate, type ResponseRate } from './queries/getResponseRate';
export {
  ROLLUP_TABLES, DELTA_TABLE, LIVE_DELTAS, foldRollupDeltas, disabledRollupTriggers, rebuildRollups, rebuildRollupsInTransaction, setRollupTrigger, verifyRollups,
  type RollupDifference, type RollupVerification,
} from './rollup';
export { seedDemoData, type SeedDemoOptions, type SeedDemoReport } from './demo-data';
export {
  SEGMENT_FOLD_LOCK, SEGMENT_TABLES, dimensionId, foldSegmentDeltas, foldSegmentRollups, rebuildStaleSegment, verifySegmentRollups,
  type DimensionSource, type SegmentVerification,
} from './segment-rollup';
export { getSegmentDimensions, type SegmentDimension } from './queries/getSegmentDimensions';
export { getSegmentHistogramRows, type SegmentScope } from './queries/getSegmentHistogramRows';
export {
  DIMENSION_PATTERN, parseDimension, requireDimension, getSegmentHistograms, scoreSegmentValues, isDimensionBy, type DimensionBy, type SegmentValueScore,
} from './segment-report';
