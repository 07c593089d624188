export { Settings } from './settings.entity';
export { getSettings } from './settings.service';
