export { FollowUp, type FollowUpStatus } from './follow-up.entity';
export { followUpsRouter } from './follow-ups.routes';
export { listFollowUps, getFollowUp, countFollowUps } from './follow-ups.service';
