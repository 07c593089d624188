export { Stage, FRAMEWORK_FIELDS, type Framework } from './stage.entity';
export { Touchpoint, TOUCHPOINT_CHANNELS, type TouchpointChannel } from './touchpoint.entity';
export { KpiTarget } from './kpi-target.entity';
export { listStages, createStage, listTouchpoints, createTouchpoint } from './journeys.service';
