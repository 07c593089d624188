export { Survey, SURVEY_STATUSES, type SurveyStatus } from './survey.entity';
export { createSurvey, listSurveys, getSurvey } from './surveys.service';
export { DEFAULT_QUESTIONS, SCALE_LABELS, questionText, scalePoints } from './wording';
