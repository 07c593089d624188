// The entity first: modules that load this one while it is loading find it already defined.
export { SurveyResponse, RESPONSE_CHANNELS, type ResponseChannel, type HiddenFields } from './response.entity';
export { COMMENT_MAX_LENGTH } from './responses.schemas';
export { recordResponse, answerWriter, AnswerWriter, type RecordResponseInput, type RecordedResponse } from './response.service';
