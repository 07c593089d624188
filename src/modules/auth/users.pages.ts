import type { Request, Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { notFound } from '../../web/errors';
import { DomainError } from '../../domain-error';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { getSettings } from '../settings';
import { type FieldErrors, manageForm, redirectWithFlash, typedValues, validateForm } from '../../web/forms';
import { uuidParam } from '../../web/params';
import { formatterFor } from '../../web/format';
import { ROLES, type Role } from './user.entity';
import { MIN_PASSWORD_LENGTH, newUserForm, roleForm, type NewUserForm } from './users.forms';
import { changeRole, createUser, deleteUser, generatePassword, listUsers } from './users.service';

/** /manage/users (admin): colleagues and their roles. */
export function usersPagesRouter({ db, config }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function renderList(res: Response, status = 200, alert: string | null = null) {
    const locale: Locale = res.locals.locale;
    const me = res.locals.user as SessionUser;
    const [users, { timeZone }] = await Promise.all([listUsers(db), getSettings(db)]);
    res.status(status).render('manage/users', {
      layout: 'dashboard',
      title: t(locale, 'nav.users'),
      alert,
      users: users.map((u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        role: t(locale, `role.${u.role}`),
        isMe: u.id === me.id,
        created: formatterFor(locale, timeZone).date(u.createdAt),
        roles: ROLES.map((r) => ({ value: r, label: t(locale, `role.${r}`), selected: r === u.role })),
      })),
    });
  }

  function renderNew(res: Response, values: Record<string, string>, errors: FieldErrors, status = 200) {
    const locale: Locale = res.locals.locale;
    res.status(status).render('manage/user-form', {
      layout: 'dashboard',
      title: t(locale, 'manage.users.newTitle'),
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      roles: ROLES.map((r) => ({ value: r, label: t(locale, `role.${r}`), hint: t(locale, `manage.users.roleHint.${r}`), selected: r === values.role })),
      minPassword: MIN_PASSWORD_LENGTH,
    });
  }

  route('get', '/manage/users', 'admin', async (_req, res) => {
    await renderList(res);
  });

  route('get', '/manage/users/new', 'admin', (_req, res) => {
    renderNew(res, { role: 'viewer' }, {});
  });

  route('post', '/manage/users', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const typed = typedValues(req.body);
    // A typed password is never echoed back into the page.
    delete typed.password;
    const { value, errors } = validateForm<NewUserForm>(newUserForm, req.body, locale, {
      password: { key: 'manage.err.tooShort', vars: { min: MIN_PASSWORD_LENGTH } },
    });
    if (errors) return renderNew(res, typed, errors, 400);
    const generated = value.password === '';
    const password = generated ? generatePassword() : value.password;
    const { defaultLocale } = await getSettings(db);
    try {
      await createUser(db, { email: value.email, name: value.name, role: value.role, password, locale: defaultLocale });
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'conflict') return renderNew(res, typed, { email: t(locale, 'manage.users.emailTaken') }, 400);
      throw err;
    }
    // The password is on this page only: never in a redirect, a flash or a cache.
    res.set('Cache-Control', 'no-store');
    res.status(201).render('manage/user-created', {
      layout: 'dashboard',
      title: t(locale, 'manage.users.createdTitle'),
      email: value.email,
      role: t(locale, `role.${value.role}`),
      password: generated ? password : null,
      loginUrl: `${config.baseUrl}/login`,
    });
  });

  /** The last admin or oneself: the list again with the reason (409); any other error goes on to the error page. */
  async function refused(res: Response, err: unknown): Promise<void> {
    if (!(err instanceof DomainError && err.kind === 'wrong_state' && err.options.messageKey)) throw err;
    await renderList(res, 409, t(res.locals.locale as Locale, err.options.messageKey));
  }

  function userIdOr404(req: Request): string {
    const id = uuidParam(req.params.id);
    if (!id) throw notFound('No such user');
    return id;
  }

  route('post', '/manage/users/:id/role', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = userIdOr404(req);
    const { value, errors } = validateForm<{ role: Role }>(roleForm, req.body, locale);
    if (errors) return renderList(res, 400, t(locale, 'manage.err.choice'));
    try {
      await changeRole(db, id, value.role);
    } catch (err) {
      return refused(res, err);
    }
    const demotedMyself = id === (res.locals.user as SessionUser).id && value.role !== 'admin';
    await redirectWithFlash(req, res, t(locale, 'manage.users.roleChanged'), demotedMyself ? '/overview' : '/manage/users');
  });

  route('post', '/manage/users/:id/delete', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = userIdOr404(req);
    try {
      await deleteUser(db, id, (res.locals.user as SessionUser).id);
    } catch (err) {
      return refused(res, err);
    }
    await redirectWithFlash(req, res, t(locale, 'manage.users.deleted'), '/manage/users');
  });

  return router;
}
