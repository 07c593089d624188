// Entities and wording first: modules that load this one while it is loading find them already defined.
export { Survey, SURVEY_STATUSES, type SurveyStatus } from './survey.entity';
export { DEFAULT_QUESTIONS, SCALE_LABELS, questionText, scalePoints, type SurveyWording } from './wording';
export { publicSurveyUrl, qrTargetUrl, qrImageUrl, posterUrl } from './links';
export type { SurveyRow } from './queries/getSurvey';
export { getSurvey } from './queries/getSurvey';
export { listSurveys } from './queries/listSurveys';
export { createSurvey, updateSurvey, requireSurvey, type SurveyInput, type SurveyAttachment } from './surveys.service';
