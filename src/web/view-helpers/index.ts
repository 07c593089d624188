import { concat } from './concat';
import { csrfToken } from './csrfToken';
import { eq } from './eq';
import { startsWith } from './startsWith';
import { t } from './t';

export const helpers = { concat, csrfToken, eq, startsWith, t };
