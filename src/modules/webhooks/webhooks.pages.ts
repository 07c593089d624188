import type { Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { DomainError } from '../../domain-error';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { notFound } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { type FieldErrors, manageForm, redirectWithFlash, validateForm } from '../../web/forms';
import { formatterFor } from '../../web/format';
import { uuidParam } from '../../web/params';
import { getSettings } from '../settings';
import { webhookForm } from './webhooks.schemas';
import {
  createWebhook, deleteWebhook, enableWebhook, getWebhook, listWebhookDeliveries, listWebhooks, sendTestEvent, WEBHOOK_EVENTS,
  type WebhookEventType, type WebhookRow,
} from './webhooks.service';

/** /manage/webhooks (admin): the webhooks, a new one's secret (shown once), and each one's recent deliveries. */
export function webhooksPagesRouter({ db, config, queue }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function statusOf(w: WebhookRow, locale: Locale) {
    const { timeZone } = await getSettings(db);
    const fmt = formatterFor(locale, timeZone);
    if (!w.enabled) return { text: t(locale, 'webhooks.disabledAt', { time: w.disabledAt ? fmt.dateTime(new Date(w.disabledAt)) : '' }), badge: 'bad' };
    if (w.failingSince) return { text: t(locale, 'webhooks.failing', { time: fmt.dateTime(new Date(w.failingSince)) }), badge: 'warn' };
    return { text: t(locale, 'webhooks.enabled'), badge: 'good' };
  }

  async function renderList(res: Response, values: { url: string; events: string[] }, errors: FieldErrors, status = 200) {
    const locale: Locale = res.locals.locale;
    const hooks = await listWebhooks(db);
    res.status(status).render('manage/webhooks', {
      layout: 'dashboard',
      title: t(locale, 'nav.webhooks'),
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      eventChoices: WEBHOOK_EVENTS.map((e) => ({ value: e, checked: values.events.includes(e) })),
      hooks: await Promise.all(hooks.map(async (w) => ({ id: w.id, url: w.url, events: w.events.join(', '), status: await statusOf(w, locale) }))),
    });
  }

  route('get', '/manage/webhooks', 'admin', async (_req, res) => {
    await renderList(res, { url: '', events: [...WEBHOOK_EVENTS] }, {});
  });

  route('post', '/manage/webhooks', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const typed = {
      url: typeof body.url === 'string' ? body.url : '',
      events: (Array.isArray(body.events) ? body.events : [body.events]).filter((e): e is string => typeof e === 'string'),
    };
    const { value, errors } = validateForm<{ url: string; events: WebhookEventType | WebhookEventType[] }>(webhookForm, body, locale,
      { events: { key: 'webhooks.err.events' }, url: { key: 'webhooks.err.url' } });
    if (errors) return renderList(res, typed, errors, 400);
    let created: Awaited<ReturnType<typeof createWebhook>>;
    try {
      created = await createWebhook(db, config, { url: value.url, events: ([] as WebhookEventType[]).concat(value.events) }, (res.locals.user as SessionUser).id);
    } catch (err) {
      if (err instanceof DomainError && err.options.messageKey) {
        return renderList(res, typed, { url: t(locale, err.options.messageKey, err.options.messageVars ?? {}) }, 400);
      }
      throw err;
    }
    // The only time the secret is shown: not in a redirect, a flash, or any cache.
    res.set('Cache-Control', 'no-store');
    res.status(201).render('manage/webhook-created', {
      layout: 'dashboard',
      title: t(locale, 'webhooks.createdTitle'),
      id: created.webhook.id,
      url: created.webhook.url,
      secret: created.secret,
    });
  });

  route('get', '/manage/webhooks/:id', 'admin', async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = uuidParam(req.params.id);
    if (!id) throw notFound('No such webhook');
    const hook = await getWebhook(db, id);
    const [{ timeZone }, deliveries] = await Promise.all([getSettings(db), listWebhookDeliveries(db, id)]);
    const fmt = formatterFor(locale, timeZone);
    res.render('manage/webhook', {
      layout: 'dashboard',
      title: hook.url,
      hook: { id: hook.id, url: hook.url, events: hook.events.join(', '), enabled: hook.enabled, reason: hook.disabledReason },
      status: await statusOf(hook, locale),
      deliveries: deliveries.map((d) => ({
        eventType: d.eventType,
        eventId: d.eventId,
        status: t(locale, `webhooks.delivery.${d.status}`),
        badge: d.status === 'succeeded' ? 'good' : d.status === 'failed' || d.status === 'cancelled' ? 'bad' : 'warn',
        attempts: d.attempts,
        code: d.responseCode ?? '–',
        error: d.error,
        time: fmt.dateTime(new Date(d.lastAttemptAt ?? d.createdAt)),
      })),
    });
  });

  route('post', '/manage/webhooks/:id/test', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = uuidParam(req.params.id);
    if (!id) throw notFound('No such webhook');
    await sendTestEvent(db, await queue.start(), id);
    await redirectWithFlash(req, res, t(locale, 'webhooks.testQueued'), `/manage/webhooks/${id}`);
  });

  route('post', '/manage/webhooks/:id/enable', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = uuidParam(req.params.id);
    if (!id) throw notFound('No such webhook');
    await enableWebhook(db, id);
    await redirectWithFlash(req, res, t(locale, 'webhooks.reenabled'), `/manage/webhooks/${id}`);
  });

  route('post', '/manage/webhooks/:id/delete', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = uuidParam(req.params.id);
    if (!id) throw notFound('No such webhook');
    const deleted = await deleteWebhook(db, id);
    await redirectWithFlash(req, res, t(locale, 'webhooks.deleted', { url: deleted.url }), '/manage/webhooks');
  });

  return router;
}
