import express, { Router, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../deps';
import { t } from '../../i18n';
import { HttpError } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import { toDetails } from '../../web/middleware/validate';
import { checkCredentials, userCount } from './auth.service';
import { localeSchema, loginSchema, safeReturnPath, setupSchema } from './auth.schemas';
import { createUser } from './users.service';

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
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  // Ten failed attempts per address and account in 15 minutes; successful logins do not count.
  const loginLimiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String((req.body as Record<string, unknown>)?.email ?? '').toLowerCase().slice(0, 254)}`,
    handler: (req, res) => renderLogin(req, res, 429, t(res.locals.locale, 'login.tooMany')),
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

  router.post('/login', form, csrfProtection, loginLimiter, async (req, res) => {
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

  router.post('/logout', form, csrfProtection, async (req, res) => {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('tp.sid');
    res.redirect(303, '/login');
  });

  router.post('/locale', form, csrfProtection, async (req, res) => {
    const { value, error } = localeSchema.validate(req.body);
    if (error) throw new HttpError(400, 'validation_failed', 'Invalid language', toDetails(error));
    req.session.locale = value.locale;
    if (res.locals.user) await db.query(`UPDATE users SET locale = $1 WHERE id = $2`, [value.locale, res.locals.user.id]);
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

  // Works only while there is no user at all; the table lock makes two simultaneous setups create one admin.
  router.post('/setup', form, csrfProtection, async (req, res) => {
    const { value, error } = setupSchema.validate(req.body, { abortEarly: false });
    if (error) {
      if ((await userCount(db)) > 0) throw new HttpError(403, 'already_set_up', 'Touchpoint is already set up', [], 'setup.done');
      return renderSetup(req, res, 400, Object.fromEntries(toDetails(error).map((d) => [d.path, d.message])));
    }
    const created = await db.transaction(async (tx) => {
      await tx.query(`LOCK TABLE users IN EXCLUSIVE MODE`);
      const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM users`);
      if (n > 0) return null;
      const user = await createUser(tx, { email: value.email, password: value.password, role: 'admin', name: value.name, locale: res.locals.locale });
      await tx.query(`UPDATE settings SET brand = $1, updated_at = now() WHERE id = 1`, [value.brand]);
      return user;
    });
    if (!created) throw new HttpError(403, 'already_set_up', 'Touchpoint is already set up', [], 'setup.done');
    await regenerate(req);
    req.session.userId = created.id;
    await saveSession(req);
    res.redirect(303, '/overview');
  });

  return router;
}
