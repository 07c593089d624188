export {
  attemptWebhookDelivery, DEFAULT_WEBHOOK_DELIVERY, forgetContactInPendingDeliveries, pruneWebhookDeliveries, getWebhookAdmins, newEventId, queueWebhookEvents, TEST_EVENT, WEBHOOK_EVENTS,
  type DeliveryOptions, type FollowUpSnapshot, type ResponseSnapshot, type WebhookEvent, type WebhookEventType,
} from './webhooks.service';
export { isPrivateAddress, checkWebhookTarget, WebhookTargetError } from './webhook-target';
export { signWebhook } from './webhook-signature';
