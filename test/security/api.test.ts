import { describeBadInput } from './harness';
import { PLANS } from './plans';

/** The REST API, as an integration with a key and as a stranger without one; invitations go to a test SMTP server. */
describeBadInput('bad input: the API (/api/v1)', { area: 'api', plans: PLANS, smtp: true });
