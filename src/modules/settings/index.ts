export { Settings } from './settings.entity';
export { getSettings } from './settings.service';
export { settingsPagesRouter } from './settings.pages';
