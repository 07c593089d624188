export { startClosedLoop, type ClosedLoopOptions } from './alerts.jobs';
export { dispatchEvents, queueDueAlertEmails, setEventCapture, getAlertEmail, DEFAULT_GROUPING, type GroupingOptions } from './alerts.service';
export { buildAlertEmail } from './alerts.email';
