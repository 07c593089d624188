import Joi from 'joi';
import { WEBHOOK_EVENTS, type WebhookEventType } from './webhooks.service';

export const createWebhookSchema = Joi.object({
  url: Joi.string().trim().max(2000).uri({ scheme: ['http', 'https'] }).required(),
  events: Joi.array().items(Joi.string().valid(...WEBHOOK_EVENTS)).min(1).unique().required(),
});

export interface CreateWebhookBody {
  url: string;
  events: WebhookEventType[];
}

/** The admin page's form: events are checkboxes (one value or several). */
export const webhookForm = Joi.object({
  url: Joi.string().trim().max(2000).uri({ scheme: ['http', 'https'] }).required(),
  events: Joi.alternatives(Joi.array().items(Joi.string().valid(...WEBHOOK_EVENTS)).min(1).unique(), Joi.string().valid(...WEBHOOK_EVENTS)).required(),
});
