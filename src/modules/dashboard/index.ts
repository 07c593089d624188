export { dashboardPartials } from './partials';
export { groupLabel, GROUP_COLOR, KIND_COLOR, KIND_LABEL, scoreView } from './score-view';
