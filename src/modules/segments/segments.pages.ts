import type { Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { DomainError } from '../../domain-error';
import { dashboardRouter } from '../../web/dashboard-router';
import { csrfProtection } from '../../web/middleware/csrf';
import { manageForm, redirectWithFlash, validateForm } from '../../web/forms';
import { asList, dimensionsFormSchema, type DimensionsForm } from './segments.forms';
import { getDimensionSettings, MAX_ATTRIBUTE_DIMENSIONS, MAX_HIDDEN_DIMENSIONS, saveSegmentDimensions, type DimensionChoice } from './segments.service';

/** /manage/settings/dimensions (admin): the contact attributes and hidden fields that segments compare. */
export function segmentsPagesRouter({ db }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function render(res: Response, ticked: DimensionChoice | null, problem: string | null, status = 200) {
    const locale: Locale = res.locals.locale;
    const { chosen, known } = await getDimensionSettings(db);
    const state = (source: 'attribute' | 'hidden', key: string) => {
      const d = chosen.find((c) => c.source === source && c.key === key);
      return d ? t(locale, d.built ? 'dimensions.state.built' : 'dimensions.state.building') : null;
    };
    const selected = ticked ?? { attributes: chosen.filter((d) => d.source === 'attribute').map((d) => d.key), hidden: chosen.filter((d) => d.source === 'hidden').map((d) => d.key) };
    // Typed keys the form does not offer stay visible (ticked) next to the message.
    const options = (source: 'attribute' | 'hidden', offered: string[], ticks: string[]) =>
      [...new Set([...offered, ...ticks])].map((key, i) => ({ key, id: `${source}-${i}`, checked: ticks.includes(key), state: state(source, key) }));
    res.status(status).render('segments/dimensions', {
      layout: 'dashboard',
      title: t(locale, 'dimensions.title'),
      problem,
      maxAttributes: MAX_ATTRIBUTE_DIMENSIONS,
      maxHidden: MAX_HIDDEN_DIMENSIONS,
      attributes: options('attribute', known.attributes, selected.attributes),
      hidden: options('hidden', known.hidden, selected.hidden),
    });
  }

  route('get', '/manage/settings/dimensions', 'admin', async (_req, res) => {
    await render(res, null, null);
  });

  route('post', '/manage/settings/dimensions', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { value, errors } = validateForm<DimensionsForm>(dimensionsFormSchema, req.body, locale);
    if (errors) return render(res, null, t(locale, 'manage.err.invalid'), 400);
    const choice = { attributes: asList(value.attributes), hidden: asList(value.hidden) };
    try {
      await saveSegmentDimensions(db, choice);
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'invalid' && err.options.messageKey) {
        return render(res, choice, t(locale, err.options.messageKey, err.options.messageVars), 400);
      }
      throw err;
    }
    await redirectWithFlash(req, res, t(locale, 'dimensions.saved'), '/manage/settings/dimensions');
  });

  return router;
}
