import type { HelperOptions } from 'handlebars';
import { isLocale, t as translate, type MessageKey } from '../../i18n';

/**
 * Usage: {{t "survey.submit"}} or {{t "survey.chooseScore" min=0 max=10}}
 * Translates into the page's language (`locale` on the root context); the result is escaped as usual.
 */
export function t(key: MessageKey, options: HelperOptions): string {
  const root = options.data?.root as { locale?: unknown } | undefined;
  const locale = isLocale(root?.locale) ? root.locale : 'vi';
  return translate(locale, key, options.hash as Record<string, string | number>);
}
