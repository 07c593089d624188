export { FollowUp, type FollowUpStatus } from './follow-up.entity';
export { listFollowUps, getFollowUp, countFollowUps } from './follow-ups.service';
