export { publicRouter } from './public.routes';
