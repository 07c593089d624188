import { describeBadInput } from './harness';
import { PLANS } from './plans';

/** The dashboard's management pages (journey and targets, surveys, settings, users, API keys), and any route under a new prefix. */
describeBadInput('bad input: dashboard management', { area: 'manage', plans: PLANS });
