export { Stage, FRAMEWORK_FIELDS, type Framework } from './stage.entity';
export { Touchpoint, type TouchpointChannel } from './touchpoint.entity';
export { KpiTarget } from './kpi-target.entity';
export { getJourneyData, listStages, listTouchpoints, pickTouchpoints } from './journeys.service';
export type { TouchpointChoices } from './queries/findTouchpointChoices';
