export { dashboardPartials } from './partials';
export { groupLabel, KIND_LABEL } from './score-view';
