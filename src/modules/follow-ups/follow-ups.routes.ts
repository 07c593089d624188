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
import { bigSerialParam, keySchema, uuidSchema } from '../../web/params';
import { dashboardPartials, groupLabel, KIND_LABEL } from '../dashboard';
import { parseDashboardFilters, scoreGroup } from '../metrics';
import { getSettings } from '../settings';
import type { FollowUpStatus } from './follow-up.entity';
import {
  AGE_FILTERS, ASSIGNEE_FILTERS, bulkUpdateFollowUps, countFollowUps, FOLLOW_UP_STATUSES, getFollowUp, listAssignableUsers, listFollowUpEvents,
  listFollowUps, listQueueScopes, STATUS_FILTERS, updateFollowUp, type AgeFilter, type FollowUpEvent, type FollowUpItem, type StatusFilter,
} from './follow-ups.service';

const PAGE_SIZE = 30;
export const NOTE_MAX_LENGTH = 2000;

/** The queue's own filters, read by the dashboard's one filter parser (with its cursor). */
const QUEUE_FILTERS = {
  status: Joi.string().valid(...STATUS_FILTERS).default('active'),
  assignee: Joi.alternatives(Joi.string().valid(...ASSIGNEE_FILTERS), uuidSchema).default('any'),
  stage: keySchema,
  touchpoint: keySchema,
  age: Joi.string().valid(...AGE_FILTERS).default('any'),
};
/** The one form of an item: status, assignee and an optional note, saved together. */
const itemForm = Joi.object({
  _csrf: Joi.string(),
  status: Joi.string().valid(...FOLLOW_UP_STATUSES).required(),
  assignee: Joi.alternatives(uuidSchema, Joi.string().valid('')).required(),
  note: Joi.string().trim().max(NOTE_MAX_LENGTH).allow('').default(''),
});
const BULK_MAX = 100;
const bulkForm = Joi.object({
  _csrf: Joi.string(),
  ids: Joi.array().single().items(Joi.string().custom((v: string, h) => bigSerialParam(v) ?? h.error('any.invalid'))).min(1).max(BULK_MAX).required(),
  action: Joi.string().valid('assign', 'close').required(),
  assignee: Joi.alternatives(uuidSchema, Joi.string().valid('')).default(''),
  back: Joi.string().max(2000).pattern(/^\/follow-ups(\?[^\s]*)?$/).default('/follow-ups'),
});

function itemView(item: FollowUpItem, fmt: Formatter, now: Date) {
  const group = scoreGroup(item.kind, item.score);
  return {
    ...item,
    createdText: fmt.dateTime(item.createdAt),
    answeredText: fmt.dateTime(item.answeredAt),
    closedText: item.closedAt ? fmt.dateTime(item.closedAt) : null,
    ageText: fmt.age(item.createdAt, item.closedAt ?? now),
    kindLabel: KIND_LABEL[item.kind],
    group,
    groupLabel: groupLabel(fmt.locale, item.kind, group),
    place: item.touchpointKey ? (fmt.locale === 'vi' ? item.touchpointVi : item.touchpointEn) : item.surveyTitle,
    statusText: t(fmt.locale, `followUps.status.${item.status}`),
    channelText: t(fmt.locale, `metrics.channel.${item.channel}`),
    assigneeText: item.assigneeId ? (item.assigneeName || item.assigneeEmail) : null,
    answerLink: `/responses/${item.responseId}`,
  };
}

function eventView(e: FollowUpEvent, fmt: Formatter) {
  const who = e.actorName ?? t(fmt.locale, 'followUps.event.system');
  const assignee = e.assigneeName ?? t(fmt.locale, 'followUps.unassigned');
  const what = e.kind === 'opened'
    ? (e.assigneeId ? t(fmt.locale, 'followUps.event.openedAssigned', { assignee }) : t(fmt.locale, 'followUps.event.opened'))
    : e.kind === 'status' ? t(fmt.locale, 'followUps.event.status', { status: t(fmt.locale, `followUps.status.${e.status ?? 'open'}`) })
      : e.kind === 'assigned' ? (e.assigneeId ? t(fmt.locale, 'followUps.event.assigned', { assignee }) : t(fmt.locale, 'followUps.event.unassigned'))
        : t(fmt.locale, 'followUps.event.note');
  return { at: fmt.dateTime(e.at), iso: e.at.toISOString(), who: e.kind === 'opened' ? null : who, what, note: e.note, kind: e.kind };
}

/**
 * The detractor queue: every detractor answer opened a follow-up (recordResponse does it; the database
 * gives it to the touchpoint's owner). Viewers read it; editors and admins change status, assignee and
 * write a note in one save, or assign / close many at once from the queue. Every change is on the
 * item's timeline.
 */
export function followUpsRouter({ db }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function formatter(res: Response): Promise<Formatter> {
    const settings = await getSettings(db);
    return formatterFor(res.locals.locale as Locale, settings.timeZone);
  }

  const actorOf = (res: Response) => {
    const user = res.locals.user as SessionUser;
    return { id: user.id, name: user.name || user.email };
  };

  route('get', '/follow-ups', 'viewer', async (req, res) => {
    const fmt = await formatter(res);
    const filters = parseDashboardFilters(req.query, { timeZone: fmt.timeZone, allow: ['cursor'], extra: QUEUE_FILTERS });
    const x = filters.extra as { status: StatusFilter; assignee: string; stage?: string; touchpoint?: string; age: AgeFilter };
    const user = res.locals.user as SessionUser;
    const [page, counts, users, scopes] = await Promise.all([
      listFollowUps(db, { ...x, cursor: filters.cursor, userId: user.id, limit: PAGE_SIZE }),
      countFollowUps(db),
      listAssignableUsers(db),
      listQueueScopes(db),
    ]);
    const locale = fmt.locale;
    const kept: Record<string, string> = { status: x.status, assignee: x.assignee, age: x.age, ...(x.stage ? { stage: x.stage } : {}), ...(x.touchpoint ? { touchpoint: x.touchpoint } : {}) };
    const query = (extra: Record<string, string>) => `?${new URLSearchParams({ ...kept, ...extra }).toString()}`;
    const name = (row: { nameVi: string; nameEn: string }) => (locale === 'vi' ? row.nameVi : row.nameEn);
    const now = new Date();
    res.render('dashboard/follow-ups', {
      layout: 'dashboard',
      title: t(locale, 'nav.followUps'),
      partials: dashboardPartials(),
      items: page.items.map((item) => itemView(item, fmt, now)),
      statuses: STATUS_FILTERS.map((s) => ({ value: s, label: t(locale, `followUps.filter.${s}`), selected: s === x.status })),
      assignees: [
        ...ASSIGNEE_FILTERS.map((a) => ({ value: a, label: t(locale, `followUps.assignee.${a}`), selected: a === x.assignee })),
        ...users.map((u) => ({ value: u.id, label: u.name || u.email, selected: u.id === x.assignee })),
      ],
      stages: scopes.stages.map((s) => ({ value: s.key, label: name(s), selected: s.key === x.stage })),
      touchpoints: scopes.touchpoints.map((s) => ({ value: s.key, label: name(s), selected: s.key === x.touchpoint })),
      ages: AGE_FILTERS.map((a) => ({ value: a, label: t(locale, `followUps.age.${a}`), selected: a === x.age })),
      users: users.map((u) => ({ value: u.id, label: u.name || u.email })),
      back: `/follow-ups${query(filters.cursor ? { cursor: filters.cursor } : {})}`,
      countText: t(locale, page.items.length === 1 ? 'followUps.shown.one' : 'followUps.shown.other', { count: fmt.count(page.items.length) }),
      openText: fmt.count(counts.open),
      inProgressText: fmt.count(counts.in_progress),
      nextLink: page.nextCursor ? `/follow-ups${query({ cursor: page.nextCursor })}` : null,
      firstLink: filters.cursor ? `/follow-ups${query({})}` : null,
    });
  });

  async function renderItem(req: Request, res: Response, status = 200, errors: Record<string, string> = {}, typed: Record<string, string> = {}) {
    const id = bigSerialParam(req.params.id);
    if (!id) throw notFound();
    const item = await getFollowUp(db, id);
    if (!item) throw notFound();
    const fmt = await formatter(res);
    const locale = fmt.locale;
    const [users, events] = await Promise.all([res.locals.canEdit ? listAssignableUsers(db) : Promise.resolve([]), listFollowUpEvents(db, id)]);
    const status_ = typed.status ?? item.status;
    const assignee = typed.assignee ?? item.assigneeId ?? '';
    res.status(status).render('dashboard/follow-up', {
      layout: 'dashboard',
      title: t(locale, 'followUps.itemTitle', { id: item.id }),
      partials: dashboardPartials(),
      item: itemView(item, fmt, new Date()),
      statuses: FOLLOW_UP_STATUSES.map((s) => ({ value: s, label: t(locale, `followUps.status.${s}`), selected: s === status_ })),
      users: users.map((u) => ({ value: u.id, label: u.name || u.email, selected: u.id === assignee })),
      events: events.map((e) => eventView(e, fmt)).reverse(),
      errors,
      note: typed.note ?? '',
      noteMax: NOTE_MAX_LENGTH,
    });
  }

  route('get', '/follow-ups/:id', 'viewer', (req, res) => renderItem(req, res));

  // Registered before /follow-ups/:id so that "bulk" is never read as an id.
  route('post', '/follow-ups/bulk', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale = res.locals.locale as Locale;
    const { value, error } = bulkForm.validate(req.body ?? {}, { abortEarly: true, convert: true });
    const v = value as { ids: string[]; action: 'assign' | 'close'; assignee: string; back: string };
    const back = error ? '/follow-ups' : v.back;
    if (error || (v.action === 'assign' && !v.assignee)) {
      req.session.flash = { kind: 'error', text: t(locale, error?.details[0]?.path[0] === 'ids' ? 'followUps.err.bulkIds' : 'followUps.err.bulkAction', { max: BULK_MAX }) };
      return res.redirect(303, back);
    }
    const outcome = await bulkUpdateFollowUps(db, v.ids, actorOf(res), v.action === 'close' ? { status: 'closed' } : { assignee: v.assignee });
    if (outcome === 'bad_assignee') {
      req.session.flash = { kind: 'error', text: t(locale, 'followUps.err.assignee') };
      return res.redirect(303, back);
    }
    req.session.flash = { kind: 'ok', text: t(locale, 'followUps.bulkDone', { count: outcome.changed }) };
    res.redirect(303, back);
  });

  route('post', '/follow-ups/:id', 'editor', manageForm, csrfProtection, async (req, res) => {
    const id = bigSerialParam(req.params.id);
    if (!id) throw notFound();
    const locale = res.locals.locale as Locale;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const typed = Object.fromEntries(['status', 'assignee', 'note'].map((k) => [k, typeof body[k] === 'string' ? (body[k] as string).slice(0, NOTE_MAX_LENGTH * 2) : '']));
    const { value, error } = itemForm.validate(body, { abortEarly: true, convert: true });
    if (error) {
      const field = String(error.details[0]?.path[0] ?? 'status');
      const key = field === 'note' ? 'note' : field === 'assignee' ? 'assignee' : 'status';
      return renderItem(req, res, 400, { [key]: t(locale, `followUps.err.${key}`, { max: NOTE_MAX_LENGTH }) }, typed);
    }
    const v = value as { status: FollowUpStatus; assignee: string; note: string };
    const outcome = await updateFollowUp(db, id, actorOf(res), { status: v.status, assignee: v.assignee || null, note: v.note || undefined });
    if (outcome === 'not_found') throw notFound();
    if (outcome === 'bad_assignee') return renderItem(req, res, 400, { assignee: t(locale, 'followUps.err.assignee') }, typed);
    req.session.flash = { kind: 'ok', text: t(locale, outcome === 'saved' ? 'form.saved' : 'followUps.unchanged') };
    res.redirect(303, `/follow-ups/${id}`);
  });

  return router;
}
