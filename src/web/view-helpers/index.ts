import { eq } from './eq';
import { t } from './t';

export const helpers = { eq, t };
