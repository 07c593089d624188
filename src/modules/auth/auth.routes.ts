import { Router, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../deps';
import { t } from '../../i18n';
import { HttpError } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import { toDetails } from '../../web/middleware/validate';
import { shortForm } from '../../web/forms';
import { localeSchema, loginSchema, safeReturnPath, setupSchema } from './auth.schemas';
import { sharedRateLimitStore } from '../rate-limits';
import { checkCredentials, loginIdentity, setUpFirstAdmin, setUserLocale, userCount } from './users.service';

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

/** express-session would save after the redirect is sent: a fast browser would then arrive logged out. */
function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

/** Login, logout, language switch and the first-run setup of the first admin. */
export function authRouter({ db }: AppDeps): Router {
  const router = Router();
  // Ten failed attempts per address and account in 15 minutes; successful logins do not count. The account
  // is the one the credential check would look up (loginIdentity), however the email is spelled.
  const loginLimiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${loginIdentity((req.body as Record<string, unknown> | undefined)?.email).slice(0, 254)}`,
    handler: (req, res) => renderLogin(req, res, 429, t(res.locals.locale, 'login.tooMany')),
    // Counted across every app instance, synced about once a second.
    store: sharedRateLimitStore(db, 'login'),
  });

  function renderLogin(req: Request, res: Response, status: number, error: string | null) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    res.status(status).render('auth/login', {
      layout: 'auth', title: t(res.locals.locale, 'login.title'), error,
      email: typeof body.email === 'string' ? body.email : '',
      next: safeReturnPath(body.next ?? req.query.next, ''),
    });
  }

  router.get('/', async (req, res) => {
    if (res.locals.user) return res.redirect(303, '/overview');
    res.redirect(303, (await userCount(db)) === 0 ? '/setup' : '/login');
  });

  router.get('/login', async (req, res) => {
    if (res.locals.user) return res.redirect(303, '/overview');
    if ((await userCount(db)) === 0) return res.redirect(303, '/setup');
    renderLogin(req, res, 200, null);
  });

  router.post('/login', shortForm, csrfProtection, loginLimiter, async (req, res) => {
    const { value, error } = loginSchema.validate(req.body, { abortEarly: true });
    const userId = error ? null : await checkCredentials(db, value.email, value.password);
    if (!userId) return renderLogin(req, res, error ? 400 : 401, t(res.locals.locale, 'login.failed'));
    const locale = req.session.locale;
    await regenerate(req);
    req.session.userId = userId;
    if (locale) req.session.locale = locale;
    await saveSession(req);
    res.redirect(303, safeReturnPath(value.next, '/overview'));
  });

  router.post('/logout', shortForm, csrfProtection, async (req, res) => {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('tp.sid');
    res.redirect(303, '/login');
  });

  router.post('/locale', shortForm, csrfProtection, async (req, res) => {
    const { value, error } = localeSchema.validate(req.body);
    if (error) throw new HttpError(400, 'validation_failed', 'Invalid language', toDetails(error));
    req.session.locale = value.locale;
    if (res.locals.user) await setUserLocale(db, res.locals.user.id, value.locale);
    await saveSession(req);
    res.redirect(303, safeReturnPath(value.returnTo, '/'));
  });

  function renderSetup(req: Request, res: Response, status: number, errors: Record<string, string>) {
    const body = (req.body ?? {}) as Record<string, string>;
    res.status(status).render('auth/setup', {
      layout: 'auth', title: t(res.locals.locale, 'setup.title'), errors, hasErrors: Object.keys(errors).length > 0,
      name: body.name ?? '', email: body.email ?? '', brand: body.brand ?? 'Touchpoint',
    });
  }

  router.get('/setup', async (req, res) => {
    if ((await userCount(db)) > 0) {
      return res.status(403).render('auth/setup-done', { layout: 'auth', title: t(res.locals.locale, 'setup.title') });
    }
    renderSetup(req, res, 200, {});
  });

  // Works only while there is no user at all (setUpFirstAdmin locks the table: two simultaneous setups create one admin).
  router.post('/setup', shortForm, csrfProtection, async (req, res) => {
    const { value, error } = setupSchema.validate(req.body, { abortEarly: false });
    if (error) {
      if ((await userCount(db)) > 0) throw new HttpError(403, 'already_set_up', 'Touchpoint is already set up', [], 'setup.done');
      return renderSetup(req, res, 400, Object.fromEntries(toDetails(error).map((d) => [d.path, d.message])));
    }
    const created = await setUpFirstAdmin(db, { email: value.email, password: value.password, name: value.name, brand: value.brand, locale: res.locals.locale });
    if (!created) throw new HttpError(403, 'already_set_up', 'Touchpoint is already set up', [], 'setup.done');
    await regenerate(req);
    req.session.userId = created.id;
    await saveSession(req);
    res.redirect(303, '/overview');
  });

  return router;
}
