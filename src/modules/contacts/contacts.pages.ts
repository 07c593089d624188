import path from 'node:path';
import type { Request, Response, Router } from 'express';
import { stringify } from 'csv-stringify';
import type { AppDeps } from '../../deps';
import { t, type Locale, type MessageKey } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { formatNumber, formatterFor } from '../../web/format';
import { manageForm } from '../../web/forms';
import { decodeCursor, encodeCursor, uuidParam } from '../../web/params';
import { HttpError, notFound } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { getSettings } from '../settings';
import type { ContactAttributes } from './contact.entity';
import type { MappedColumn, RowProblem } from './contacts-csv';
import { startContactImport } from './contact-imports.service';
import { writeContactsCsv } from './contacts-export';
import { MAX_UPLOAD_BYTES, UploadRejected, receiveContactsUpload, type ReceivedUpload } from './contacts-import';
import { listQuerySchema, timelineQuerySchema, parseAttributeFilter, readContactForm, type AttributeRow, type ContactFormResult, type ListQuery } from './contacts.forms';
import { createContact, eraseContact, setUnsubscribed, updateContact } from './contacts.service';
import type { ContactFilter } from './queries/contactFilter';
import { countContacts } from './queries/countContacts';
import { getContactDetail, type ContactDetail } from './queries/getContactDetail';
import { getContactImport } from './queries/getContactImport';
import { listContactsPage } from './queries/listContactsPage';
import { listRecentContactImports } from './queries/listRecentContactImports';
import { listContactTimeline } from './queries/listContactTimeline';
import { groupLabel, KIND_LABEL } from '../dashboard';
import { scoreGroup } from '../metrics/scoring';
import type { Cursor } from '../../web/params';

const PAGE_SIZE = 50;
/** Answers per page of a contact's timeline. */
const TIMELINE_PAGE = 50;
/** Empty attribute rows offered under the existing ones (no script: save to get more). */
const BLANK_ATTRIBUTE_ROWS = 3;
/** Attributes shown in a list row before "+N more". */
const LIST_ATTRIBUTES = 3;
function formatDateTime(date: Date, locale: Locale, timeZone: string): string {
  return formatterFor(locale, timeZone).dateTime(date);
}

function idParam(req: Request, name = 'id'): string {
  const id = uuidParam(req.params[name]);
  if (!id) throw notFound();
  return id;
}

function attributeRows(attributes: ContactAttributes): AttributeRow[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: String(value) }));
}

/** /manage/contacts: the list, a contact's page, deletion, CSV import (with its report) and export. */
export function contactsPagesRouter({ db, config, queue }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  // ---- list -----------------------------------------------------------------------------------------

  route('get', '/manage/contacts', 'viewer', async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { value, error } = listQuerySchema.validate(req.query);
    const query = (error ? { q: '', attr: '', status: 'all' } : value) as ListQuery;
    const attribute = query.attr ? parseAttributeFilter(query.attr) : null;
    const cursor = query.cursor ? decodeCursor(query.cursor, 'uuid') : null;
    const problem: MessageKey | null = error ? 'error.badRequest'
      : query.attr && !attribute ? 'contacts.filter.badAttr'
        : query.cursor && !cursor ? 'contacts.filter.badCursor' : null;
    const typed = {
      q: typeof req.query.q === 'string' ? req.query.q : '',
      attr: typeof req.query.attr === 'string' ? req.query.attr : '',
      status: query.status,
    };
    const view = {
      layout: 'dashboard',
      title: t(locale, 'contacts.title'),
      filter: typed,
      statuses: (['all', 'subscribed', 'unsubscribed'] as const).map((s) => ({ value: s, label: t(locale, `contacts.filter.${s}`), selected: s === query.status })),
    };
    if (problem) {
      return res.status(400).render('manage/contacts/list', { ...view, problem: t(locale, problem), attrInvalid: problem === 'contacts.filter.badAttr' });
    }
    const filter: ContactFilter = { q: query.q, attribute, status: query.status };
    const [page, total, { timeZone }] = await Promise.all([listContactsPage(db, filter, cursor, PAGE_SIZE), countContacts(db, filter), getSettings(db)]);
    const filterParams = new URLSearchParams();
    if (query.q) filterParams.set('q', query.q);
    if (query.attr) filterParams.set('attr', query.attr);
    if (query.status !== 'all') filterParams.set('status', query.status);
    const filtered = filterParams.size > 0;
    const withFilters = (base: string, params: URLSearchParams) => (params.size > 0 ? `${base}?${params}` : base);
    const nextParams = new URLSearchParams(filterParams);
    if (page.nextCursor) nextParams.set('cursor', encodeCursor(page.nextCursor));
    res.render('manage/contacts/list', {
      ...view,
      countText: t(locale, total === 1 ? 'contacts.count.one' : 'contacts.count.other', { count: formatNumber(total, locale) }),
      filtered,
      contacts: page.items.map((c) => {
        const entries = Object.entries(c.attributes);
        return {
          id: c.id,
          email: c.email,
          name: c.name,
          locale: t(locale, `contacts.locale.${c.locale}`),
          attributes: entries.slice(0, LIST_ATTRIBUTES).map(([key, v]) => ({ key, value: String(v) })),
          moreAttributes: entries.length > LIST_ATTRIBUTES ? t(locale, 'contacts.moreAttributes', { count: entries.length - LIST_ATTRIBUTES }) : null,
          unsubscribed: c.unsubscribedAt !== null,
          created: formatDateTime(c.createdAt, locale, timeZone),
        };
      }),
      nextHref: page.nextCursor ? withFilters('/manage/contacts', nextParams) : null,
      firstHref: cursor ? withFilters('/manage/contacts', filterParams) : null,
      pager: page.nextCursor !== null || cursor !== null,
      exportHref: withFilters('/manage/contacts/export.csv', filterParams),
    });
  });

  // Editors only: it takes personal data out of the app in bulk.
  route('get', '/manage/contacts/export.csv', 'editor', async (req, res) => {
    const { value, error } = listQuerySchema.validate(req.query);
    const attribute = !error && value.attr ? parseAttributeFilter(value.attr) : null;
    if (error || (value.attr && !attribute)) throw new HttpError(400, 'validation_failed', 'The filters are not valid', [], 'contacts.filter.badAttr');
    const { timeZone } = await getSettings(db);
    const day = new Date().toISOString().slice(0, 10);
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="contacts-${day}.csv"`,
      'Cache-Control': 'no-store',
    });
    await writeContactsCsv(db, { q: value.q, attribute, status: value.status }, timeZone, res);
  });

  // ---- one contact ----------------------------------------------------------------------------------

  /** The customer's journey: every answer in time order (oldest first), a page at a time after `after`. */
  async function timelineView(contact: ContactDetail, after: Cursor | null, locale: Locale, timeZone: string) {
    const page = await listContactTimeline(db, contact.id, after, TIMELINE_PAGE);
    const fmt = formatterFor(locale, timeZone);
    return {
      countText: t(locale, 'timeline.count', { count: formatNumber(contact.responses, locale) }),
      items: page.items.map((a) => {
        const group = scoreGroup(a.kind, a.score);
        return {
          id: a.id,
          href: `/responses/${a.id}`,
          dateText: fmt.dateTime(a.createdAt),
          stage: a.stage ? a.stage[locale] : null,
          touchpoint: a.touchpoint ? a.touchpoint[locale] : t(locale, a.stage ? 'timeline.wholeStage' : 'timeline.wholeJourney'),
          kindLabel: KIND_LABEL[a.kind],
          survey: a.surveyTitle,
          score: a.score,
          group,
          groupLabel: groupLabel(locale, a.kind, group),
          comment: a.comment,
        };
      }),
      nextHref: page.next ? `/manage/contacts/${contact.id}?after=${encodeCursor(page.next)}#timeline` : null,
      firstHref: after ? `/manage/contacts/${contact.id}#timeline` : null,
    };
  }

  async function renderContact(res: Response, contact: ContactDetail, form: ContactFormResult | null, status = 200, after: Cursor | null = null) {
    const locale: Locale = res.locals.locale;
    const { timeZone } = await getSettings(db);
    const rows = form ? form.rows : attributeRows(contact.attributes);
    res.status(status).render('manage/contacts/detail', {
      layout: 'dashboard',
      title: contact.email,
      contact,
      meta: t(locale, 'contacts.detail.meta', { created: formatDateTime(contact.createdAt, locale, timeZone), updated: formatDateTime(contact.updatedAt, locale, timeZone) }),
      activity: t(locale, 'contacts.detail.activity', { responses: formatNumber(contact.responses, locale), invitations: formatNumber(contact.invitations, locale) }),
      unsubscribedText: contact.unsubscribedAt ? t(locale, 'contacts.sub.unsubscribed', { date: formatDateTime(contact.unsubscribedAt, locale, timeZone) }) : null,
      localeName: t(locale, `contacts.locale.${contact.locale}`),
      readOnlyAttributes: attributeRows(contact.attributes),
      timeline: await timelineView(contact, after, locale, timeZone),
      ...formView(locale, form?.typed ?? { email: contact.email, name: contact.name, locale: contact.locale }, rows, form?.errors ?? {}),
    });
  }

  function formView(locale: Locale, typed: ContactFormResult['typed'], rows: AttributeRow[], errors: ContactFormResult['errors']) {
    const withBlanks: AttributeRow[] = [...rows, ...Array.from({ length: BLANK_ATTRIBUTE_ROWS }, () => ({ key: '', value: '' }))];
    const message = (key: MessageKey | undefined) => (key ? t(locale, key) : null);
    return {
      values: typed,
      locales: (['vi', 'en'] as const).map((l) => ({ value: l, label: t(locale, `contacts.locale.${l}`), selected: l === typed.locale })),
      attributeRows: withBlanks.map((r, i) => ({
        key: r.key, value: r.value, n: i + 1, error: message(r.error),
      })),
      errors: { email: message(errors.email), name: message(errors.name), locale: message(errors.locale), attributes: message(errors.attributes) },
      invalid: Object.keys(errors).length > 0 || rows.some((r) => r.error),
    };
  }

  async function loadContact(req: Request): Promise<ContactDetail> {
    const contact = await getContactDetail(db, idParam(req));
    if (!contact) throw notFound();
    return contact;
  }

  route('get', '/manage/contacts/new', 'editor', async (_req, res) => {
    const locale: Locale = res.locals.locale;
    const { defaultLocale } = await getSettings(db);
    res.render('manage/contacts/detail', {
      layout: 'dashboard',
      title: t(locale, 'contacts.new'),
      isNew: true,
      ...formView(locale, { email: '', name: '', locale: defaultLocale }, [], {}),
    });
  });

  route('post', '/manage/contacts/new', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const result = readContactForm(req.body as Record<string, unknown>, {});
    const id = result.value ? await createContact(db, result.value) : null;
    if (!id) {
      const errors = result.value ? { ...result.errors, email: 'contacts.err.emailTaken' as const } : result.errors;
      return res.status(400).render('manage/contacts/detail', {
        layout: 'dashboard', title: t(locale, 'contacts.new'), isNew: true, ...formView(locale, result.typed, result.rows, errors),
      });
    }
    req.session.flash = { kind: 'ok', text: t(locale, 'contacts.created') };
    res.redirect(303, `/manage/contacts/${id}`);
  });

  // ---- import ---------------------------------------------------------------------------------------

  async function renderImportPage(res: Response, status: number, problem: string | null) {
    const locale: Locale = res.locals.locale;
    const [imports, { timeZone }] = await Promise.all([listRecentContactImports(db), getSettings(db)]);
    res.status(status).render('manage/contacts/import', {
      layout: 'dashboard',
      title: t(locale, 'contacts.import.title'),
      problem,
      maxMegabytes: MAX_UPLOAD_BYTES / 1024 / 1024,
      imports: imports.map((i) => ({
        id: i.id,
        fileName: i.fileName,
        started: formatDateTime(i.startedAt, locale, timeZone),
        by: i.userEmail ?? '—',
        status: i.status,
        statusText: t(locale, `contacts.import.status.${i.status}`),
        result: t(locale, 'contacts.import.result', {
          created: formatNumber(i.created, locale), updated: formatNumber(i.updated, locale), failed: formatNumber(i.failed, locale),
        }),
      })),
    });
  }

  route('get', '/manage/contacts/import', 'editor', async (_req, res) => {
    await renderImportPage(res, 200, null);
  });

  // Multipart: no body parser and no csrfProtection middleware here; receiveContactsUpload checks the
  // form's _csrf field (sent before the file) against the session before it reads the file.
  route('post', '/manage/contacts/import', 'editor', async (req, res) => {
    const locale: Locale = res.locals.locale;
    const user = res.locals.user as SessionUser;
    let upload: ReceivedUpload;
    try {
      upload = await receiveContactsUpload(req, { spoolDir: path.join(config.dataDir, 'imports'), maxBytes: MAX_UPLOAD_BYTES, now: new Date() });
    } catch (err) {
      if (!(err instanceof UploadRejected)) throw err;
      if (err.code === 'csrf') throw new HttpError(403, 'csrf', 'Invalid or missing CSRF token', [], 'error.csrf');
      return renderImportPage(res, err.status, t(locale, `contacts.upload.${err.code}`, err.vars));
    }
    // Its job runs it; the progress page follows it through the import's row.
    const id = await startContactImport({ db, queue }, user.id, upload);
    res.redirect(303, `/manage/contacts/imports/${id}`);
  });

  function problemText(locale: Locale, p: RowProblem): string {
    return t(locale, `contacts.row.${p.code}`, p.vars ?? {});
  }

  function columnUse(locale: Locale, c: MappedColumn): string {
    return c.field === 'attribute' ? t(locale, 'contacts.import.use.attribute', { key: c.key ?? '' }) : t(locale, `contacts.import.use.${c.field}`);
  }

  route('get', '/manage/contacts/imports/:importId', 'editor', async (req, res) => {
    const locale: Locale = res.locals.locale;
    const imp = await getContactImport(db, idParam(req, 'importId'));
    if (!imp) throw notFound();
    const { timeZone } = await getSettings(db);
    const running = imp.status === 'running';
    // Refresh while running: the page follows the import without any script.
    if (running) res.set('Refresh', '2');
    res.set('Cache-Control', 'no-store');
    const n = (v: number) => formatNumber(v, locale);
    res.render('manage/contacts/import-report', {
      layout: 'dashboard',
      title: t(locale, 'contacts.import.reportTitle', { file: imp.fileName }),
      imp,
      running,
      done: imp.status === 'done',
      statusText: t(locale, `contacts.import.status.${imp.status}`),
      startedText: t(locale, 'contacts.import.startedBy', { started: formatDateTime(imp.startedAt, locale, timeZone), user: imp.userEmail ?? '—' }),
      progressText: t(locale, 'contacts.import.progress', { processed: n(imp.processed), total: n(imp.total) }),
      failureText: imp.message ? t(locale, `contacts.import.failed.${imp.message}`) : null,
      counts: [
        { label: t(locale, 'contacts.import.rows'), value: n(imp.total) },
        { label: t(locale, 'contacts.import.createdCount'), value: n(imp.created), kind: 'good' },
        { label: t(locale, 'contacts.import.updatedCount'), value: n(imp.updated) },
        ...(running ? [] : [{ label: t(locale, 'contacts.import.unchangedCount'), value: n(Math.max(0, imp.total - imp.failed - imp.created - imp.updated)) }]),
        { label: t(locale, 'contacts.import.failedCount'), value: n(imp.failed), kind: imp.failed > 0 ? 'bad' : undefined },
      ],
      columns: imp.columns.map((c) => ({
        header: c.header || t(locale, 'contacts.import.emptyHeader', { n: c.index + 1 }),
        use: columnUse(locale, c),
        ignored: c.field === 'ignored',
      })),
      errors: imp.errors.map((p) => ({ row: p.row, email: p.email, problem: problemText(locale, p) })),
      errorsCapped: imp.failed > imp.errors.length
        ? t(locale, 'contacts.import.errorsCapped', { shown: n(imp.errors.length), total: n(imp.failed) }) : null,
    });
  });

  route('get', '/manage/contacts/imports/:importId/errors.csv', 'editor', async (req, res) => {
    const locale: Locale = res.locals.locale;
    const imp = await getContactImport(db, idParam(req, 'importId'));
    if (!imp) throw notFound();
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="import-errors-${imp.id.slice(0, 8)}.csv"`,
      'Cache-Control': 'no-store',
    });
    const rows = [
      ['row', 'email', 'problem'],
      ...imp.errors.map((p) => [String(p.row), p.email, problemText(locale, p)]),
    ];
    const csv = stringify(rows, { bom: true, escape_formulas: true });
    csv.pipe(res);
  });

  // ---- one contact (after the fixed paths above, which :id would otherwise shadow) --------------------

  route('get', '/manage/contacts/:id', 'viewer', async (req, res) => {
    const { value, error } = timelineQuerySchema.validate(req.query);
    const after = !error && value.after ? decodeCursor(value.after, 'bigserial') : null;
    if (error || (value.after && !after)) throw new HttpError(400, 'invalid_cursor', 'The page link is not valid', [{ path: 'after', message: 'not a cursor' }], 'contacts.filter.badCursor');
    await renderContact(res, await loadContact(req), null, 200, after);
  });

  route('post', '/manage/contacts/:id', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const contact = await loadContact(req);
    const result = readContactForm(req.body as Record<string, unknown>, contact.attributes);
    if (!result.value) return renderContact(res, contact, result, 400);
    const outcome = await updateContact(db, contact.id, result.value);
    if (outcome === 'not_found') throw notFound();
    if (outcome === 'email_taken') return renderContact(res, contact, { ...result, errors: { ...result.errors, email: 'contacts.err.emailTaken' } }, 409);
    req.session.flash = { kind: 'ok', text: t(locale, 'contacts.saved') };
    res.redirect(303, `/manage/contacts/${contact.id}`);
  });

  route('post', '/manage/contacts/:id/subscription', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const id = idParam(req);
    const action = (req.body as Record<string, unknown>).action;
    if (action !== 'unsubscribe' && action !== 'resubscribe') throw new HttpError(400, 'validation_failed', 'action must be unsubscribe or resubscribe');
    if (!(await setUnsubscribed(db, id, action === 'unsubscribe'))) throw notFound();
    req.session.flash = { kind: 'ok', text: t(locale, action === 'unsubscribe' ? 'contacts.sub.doneUnsubscribed' : 'contacts.sub.doneResubscribed') };
    res.redirect(303, `/manage/contacts/${id}`);
  });

  function renderDelete(res: Response, contact: ContactDetail, status: number, problem: string | null) {
    const locale: Locale = res.locals.locale;
    res.status(status).render('manage/contacts/delete', {
      layout: 'dashboard',
      title: t(locale, 'contacts.delete.title', { email: contact.email }),
      contact,
      problem,
      responsesText: t(locale, 'contacts.delete.responses', { count: formatNumber(contact.responses, locale) }),
      invitationsText: t(locale, 'contacts.delete.invitations', { count: formatNumber(contact.invitations, locale) }),
    });
  }

  route('get', '/manage/contacts/:id/delete', 'editor', async (req, res) => {
    renderDelete(res, await loadContact(req), 200, null);
  });

  route('post', '/manage/contacts/:id/delete', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const contact = await loadContact(req);
    if ((req.body as Record<string, unknown>).confirm !== 'yes') {
      return renderDelete(res, contact, 400, t(locale, 'contacts.delete.confirmMissing'));
    }
    const erased = await eraseContact(db, contact.id);
    if (!erased) throw notFound();
    req.session.flash = { kind: 'ok', text: t(locale, 'contacts.delete.done', { count: formatNumber(erased.responses, locale) }) };
    res.redirect(303, '/manage/contacts');
  });

  return router;
}
