export { COMMENT_MAX_LENGTH } from './public.schemas';
export { publicRouter } from './public.routes';
export { publicSurveyUrl, qrTargetUrl, qrImageUrl, posterUrl } from './links';
