import type { Request, Response, Router } from 'express';
import Joi from 'joi';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { notFound } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { formatterFor, type Formatter } from '../../web/format';
import { manageForm } from '../../web/forms';
import { bigSerialParam, uuidSchema } from '../../web/params';
import { dashboardPartials, groupLabel, KIND_LABEL } from '../dashboard';
import { parseDashboardFilters, scoreGroup } from '../metrics';
import { getSettings } from '../settings';
import type { FollowUpStatus } from './follow-up.entity';
import {
  addFollowUpNote, ASSIGNEE_FILTERS, assignFollowUp, countFollowUps, FOLLOW_UP_STATUSES, getFollowUp, listAssignableUsers, listFollowUps,
  setFollowUpStatus, STATUS_FILTERS, type AssigneeFilter, type FollowUpItem, type StatusFilter,
} from './follow-ups.service';

const PAGE_SIZE = 30;
export const NOTE_MAX_LENGTH = 2000;

/** The queue's own filters, read by the dashboard's one filter parser (with its cursor). */
const QUEUE_FILTERS = {
  status: Joi.string().valid(...STATUS_FILTERS).default('active'),
  assignee: Joi.string().valid(...ASSIGNEE_FILTERS).default('any'),
};
const assignForm = Joi.object({ _csrf: Joi.string(), assignee: Joi.alternatives(uuidSchema, Joi.string().valid('')).required() });
const statusForm = Joi.object({ _csrf: Joi.string(), status: Joi.string().valid(...FOLLOW_UP_STATUSES).required() });
const noteForm = Joi.object({ _csrf: Joi.string(), note: Joi.string().trim().min(1).max(NOTE_MAX_LENGTH).required() });

function itemView(item: FollowUpItem, fmt: Formatter) {
  const group = scoreGroup(item.kind, item.score);
  return {
    ...item,
    createdText: fmt.dateTime(item.createdAt),
    answeredText: fmt.dateTime(item.answeredAt),
    closedText: item.closedAt ? fmt.dateTime(item.closedAt) : null,
    kindLabel: KIND_LABEL[item.kind],
    group,
    groupLabel: groupLabel(fmt.locale, item.kind, group),
    place: item.touchpointKey ? (fmt.locale === 'vi' ? item.touchpointVi : item.touchpointEn) : item.surveyTitle,
    statusText: t(fmt.locale, `followUps.status.${item.status}`),
    channelText: t(fmt.locale, `metrics.channel.${item.channel}`),
    assigneeText: item.assigneeId ? (item.assigneeName || item.assigneeEmail) : null,
  };
}

/**
 * The detractor queue: every detractor answer opened a follow-up (recordResponse does it). Viewers read
 * it; editors and admins assign, write notes and move items open → in progress → closed (or reopen).
 */
export function followUpsRouter({ db }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function formatter(res: Response): Promise<Formatter> {
    const settings = await getSettings(db);
    return formatterFor(res.locals.locale as Locale, settings.timeZone);
  }

  route('get', '/follow-ups', 'viewer', async (req, res) => {
    const fmt = await formatter(res);
    const filters = parseDashboardFilters(req.query, { timeZone: fmt.timeZone, allow: ['cursor'], extra: QUEUE_FILTERS });
    const q = { status: filters.extra.status as StatusFilter, assignee: filters.extra.assignee as AssigneeFilter, cursor: filters.cursor };
    const user = res.locals.user as SessionUser;
    const [page, counts] = await Promise.all([
      listFollowUps(db, { ...q, userId: user.id, limit: PAGE_SIZE }),
      countFollowUps(db),
    ]);
    const locale = fmt.locale;
    const query = (extra: Record<string, string>) => `?${new URLSearchParams({ status: q.status, assignee: q.assignee, ...extra }).toString()}`;
    res.render('dashboard/follow-ups', {
      layout: 'dashboard',
      title: t(locale, 'nav.followUps'),
      partials: dashboardPartials(),
      items: page.items.map((item) => itemView(item, fmt)),
      statuses: STATUS_FILTERS.map((s) => ({ value: s, label: t(locale, `followUps.filter.${s}`), selected: s === q.status })),
      assignees: ASSIGNEE_FILTERS.map((a) => ({ value: a, label: t(locale, `followUps.assignee.${a}`), selected: a === q.assignee })),
      openText: fmt.count(counts.open),
      inProgressText: fmt.count(counts.in_progress),
      nextLink: page.nextCursor ? `/follow-ups${query({ cursor: page.nextCursor })}` : null,
      firstLink: q.cursor ? `/follow-ups${query({})}` : null,
    });
  });

  async function renderItem(req: Request, res: Response, status = 200, errors: Record<string, string> = {}, note = '') {
    const id = bigSerialParam(req.params.id);
    if (!id) throw notFound();
    const item = await getFollowUp(db, id);
    if (!item) throw notFound();
    const fmt = await formatter(res);
    const locale = fmt.locale;
    const users = res.locals.canEdit ? await listAssignableUsers(db) : [];
    res.status(status).render('dashboard/follow-up', {
      layout: 'dashboard',
      title: t(locale, 'followUps.itemTitle', { id: item.id }),
      partials: dashboardPartials(),
      item: itemView(item, fmt),
      statuses: FOLLOW_UP_STATUSES.map((s) => ({ value: s, label: t(locale, `followUps.status.${s}`), selected: s === item.status })),
      users: users.map((u) => ({ value: u.id, label: u.name ? `${u.name} (${u.email})` : u.email, selected: u.id === item.assigneeId })),
      errors,
      note,
      noteMax: NOTE_MAX_LENGTH,
    });
  }

  route('get', '/follow-ups/:id', 'viewer', (req, res) => renderItem(req, res));

  /** Validates a form; on a problem the page is shown again with the message and a 400, nothing stored. */
  async function handle(req: Request, res: Response, schema: Joi.Schema, field: 'assignee' | 'status' | 'note', apply: (id: string, value: Record<string, string>) => Promise<boolean>) {
    const id = bigSerialParam(req.params.id);
    if (!id) throw notFound();
    const { value, error } = schema.validate(req.body ?? {}, { abortEarly: true, convert: true });
    const locale = res.locals.locale as Locale;
    if (error) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const typed = typeof body.note === 'string' ? body.note.slice(0, NOTE_MAX_LENGTH * 2) : '';
      return renderItem(req, res, 400, { [field]: t(locale, `followUps.err.${field}`, { max: NOTE_MAX_LENGTH }) }, typed);
    }
    if (!(await apply(id, value as Record<string, string>))) {
      // The follow-up exists (checked below) but the chosen user does not, or cannot work on it.
      if (await getFollowUp(db, id)) return renderItem(req, res, 400, { [field]: t(locale, `followUps.err.${field}`, { max: NOTE_MAX_LENGTH }) });
      throw notFound();
    }
    req.session.flash = { kind: 'ok', text: t(locale, 'form.saved') };
    res.redirect(303, `/follow-ups/${id}`);
  }

  route('post', '/follow-ups/:id/assign', 'editor', manageForm, csrfProtection, (req, res) =>
    handle(req, res, assignForm, 'assignee', (id, v) => assignFollowUp(db, id, v.assignee || null)));

  route('post', '/follow-ups/:id/status', 'editor', manageForm, csrfProtection, (req, res) =>
    handle(req, res, statusForm, 'status', (id, v) => setFollowUpStatus(db, id, v.status as FollowUpStatus)));

  route('post', '/follow-ups/:id/notes', 'editor', manageForm, csrfProtection, async (req, res) => {
    const fmt = await formatter(res);
    const user = res.locals.user as SessionUser;
    return handle(req, res, noteForm, 'note', (id, v) => addFollowUpNote(db, id, user.name || user.email, v.note, fmt.dateTime(new Date())));
  });

  return router;
}
