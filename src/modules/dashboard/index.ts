export { dashboardPagesRouter } from './dashboard.routes';
