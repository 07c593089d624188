import { describeBadInput } from './harness';
import { PLANS } from './plans';

/** The dashboard's reports (overview, journey map, survey and touchpoint pages, responses and export) and the follow-up queue. */
describeBadInput('bad input: dashboard reports and follow-ups', { area: 'reports', plans: PLANS });
