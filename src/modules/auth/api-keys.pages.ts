import type { Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { notFound } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { getSettings } from '../settings';
import { type FieldErrors, manageForm, redirectWithFlash, typedValues, validateForm } from '../../web/forms';
import { uuidParam } from '../../web/params';
import { formatterFor } from '../../web/format';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service';
import { apiKeyForm } from './users.forms';

/** /manage/api-keys (admin): keys for integrations; a new key is shown once, on the page that creates it. */
export function apiKeysPagesRouter({ db, config }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function renderList(res: Response, values: Record<string, string>, errors: FieldErrors, status = 200) {
    const locale: Locale = res.locals.locale;
    const [keys, { timeZone }] = await Promise.all([listApiKeys(db), getSettings(db)]);
    res.status(status).render('manage/api-keys', {
      layout: 'dashboard',
      title: t(locale, 'nav.apiKeys'),
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      keys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        createdBy: k.createdByEmail,
        created: formatterFor(locale, timeZone).dateTime(k.createdAt),
        lastUsed: k.lastUsedAt ? formatterFor(locale, timeZone).dateTime(k.lastUsedAt) : null,
        revoked: k.revokedAt ? formatterFor(locale, timeZone).dateTime(k.revokedAt) : null,
      })),
    });
  }

  route('get', '/manage/api-keys', 'admin', async (_req, res) => {
    await renderList(res, {}, {});
  });

  route('post', '/manage/api-keys', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { value, errors } = validateForm<{ name: string }>(apiKeyForm, req.body, locale);
    if (errors) return renderList(res, typedValues(req.body), errors, 400);
    const { key, apiKey } = await createApiKey(db, value.name, (res.locals.user as SessionUser).id);
    // The only time the key exists in plain text: not in a redirect, a flash, or any cache.
    res.set('Cache-Control', 'no-store');
    res.status(201).render('manage/api-key-created', {
      layout: 'dashboard',
      title: t(locale, 'manage.apiKeys.createdTitle'),
      name: apiKey.name,
      key,
      example: `curl -H "Authorization: Bearer ${key}" ${config.baseUrl}/api/v1/surveys`,
    });
  });

  route('post', '/manage/api-keys/:id/revoke', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = uuidParam(req.params.id);
    if (!id) throw notFound('No such API key');
    const revoked = await revokeApiKey(db, id);
    await redirectWithFlash(req, res, t(locale, 'manage.apiKeys.revoked', { name: revoked.name }), '/manage/api-keys');
  });

  return router;
}
