export { publicRouter } from './public.routes';
export { publicSurveyUrl, qrTargetUrl, qrImageUrl, posterUrl } from './links';
