
export { Invitation, type InvitationStatus } from './invitation.entity';
export { buildInvitationEmail, type InvitationMailData } from './invitation-email';
export { INVITATION_TOKEN_PATTERN } from './invitation-token';
export { getSurveyResponseRate } from './invitations.queries';
export { sendInvitations, type SendReport, type SkipReason } from './send.service';
