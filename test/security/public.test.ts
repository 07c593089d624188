import { describeBadInput } from './harness';
import { PLANS } from './plans';

/** Survey, invitation and unsubscribe pages (respondents), health, and login, logout, language and setup (anyone). */
describeBadInput('bad input: public pages and sign-in', { area: 'public', plans: PLANS });
