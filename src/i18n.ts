/**
 * The two languages Touchpoint speaks. Every string a customer or a CX team member reads lives in
 * `messages` below, in both languages; Vietnamese is the default.
 */
export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export type Localized = Record<Locale, string>;
export const DEFAULT_LOCALE: Locale = 'vi';

export function isLocale(value: unknown): value is Locale {
  return value === 'vi' || value === 'en';
}

/** First supported language in an Accept-Language header, by q-value; null when none is supported. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  const ranked = header.split(',').map((part, index) => {
    const [tag, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    return { lang: tag.trim().toLowerCase().split('-')[0], weight: Number.isFinite(weight) ? weight : 0, index };
  }).filter((r) => r.weight > 0).sort((a, b) => b.weight - a.weight || a.index - b.index);
  const found = ranked.find((r) => isLocale(r.lang));
  return found ? (found.lang as Locale) : null;
}

/** The respondent's language: an explicit ?lang= choice, then the contact's locale, then the browser's. */
export function resolveLocale(opts: { query?: unknown; contact?: Locale | null; acceptLanguage?: string; fallback?: Locale }): Locale {
  if (isLocale(opts.query)) return opts.query;
  if (opts.contact) return opts.contact;
  return localeFromAcceptLanguage(opts.acceptLanguage) ?? opts.fallback ?? DEFAULT_LOCALE;
}

const messages = {
  'survey.submit': { vi: 'Gửi câu trả lời', en: 'Submit answer' },
  'survey.commentLabel': { vi: 'Bạn có muốn chia sẻ thêm điều gì không? (không bắt buộc)', en: 'Anything you would like to add? (optional)' },
  'survey.chooseScore': { vi: 'Chọn một điểm từ {min} đến {max}.', en: 'Choose a score from {min} to {max}.' },
  'survey.alreadyAnswered': { vi: 'Bạn đã trả lời khảo sát này. Bạn có thể thay đổi câu trả lời bên dưới.', en: 'You have already answered. You can change your answer below.' },
  'survey.confirmPreselected': { vi: 'Vui lòng xác nhận điểm bạn đã chọn và gửi.', en: 'Please confirm the score you chose and submit.' },
  'survey.languageSwitch': { vi: 'English', en: 'Tiếng Việt' },
  'survey.poweredBy': { vi: 'Khảo sát của {brand}', en: 'A survey by {brand}' },
  'thanks.title': { vi: 'Cảm ơn bạn!', en: 'Thank you!' },
  'thanks.default': { vi: 'Câu trả lời của bạn đã được ghi nhận. Cảm ơn bạn đã dành thời gian.', en: 'Your answer has been recorded. Thank you for your time.' },
  'thanks.change': { vi: 'Thay đổi câu trả lời', en: 'Change my answer' },
  'error.title': { vi: 'Không thể tiếp tục', en: 'We could not continue' },
  'error.scoreMissing': { vi: 'Vui lòng chọn một điểm.', en: 'Please choose a score.' },
  'error.scoreInvalid': { vi: 'Điểm không hợp lệ: hãy chọn một số nguyên từ {min} đến {max}.', en: 'That score is not valid: choose a whole number from {min} to {max}.' },
  'error.commentTooLong': { vi: 'Nhận xét quá dài (tối đa {max} ký tự).', en: 'The comment is too long (at most {max} characters).' },
  'error.hiddenInvalid': { vi: 'Liên kết khảo sát này có tham số không hợp lệ. Vui lòng dùng liên kết gốc.', en: 'This survey link has invalid parameters. Please use the original link.' },
  'error.surveyNotFound': { vi: 'Không tìm thấy khảo sát này. Có thể liên kết đã sai hoặc khảo sát chưa được mở.', en: 'This survey could not be found. The link may be wrong, or the survey is not open yet.' },
  'error.invitationNotFound': { vi: 'Liên kết khảo sát này không hợp lệ hoặc đã hết hạn.', en: 'This survey link is not valid or has expired.' },
  'error.surveyClosed': { vi: 'Khảo sát này đã đóng và không nhận thêm câu trả lời. Cảm ơn bạn đã quan tâm.', en: 'This survey is closed and no longer accepts answers. Thank you for your interest.' },
  'error.notFound': { vi: 'Không tìm thấy trang này.', en: 'This page could not be found.' },
  'error.badRequest': { vi: 'Yêu cầu không hợp lệ.', en: 'The request is not valid.' },
  'error.tooMany': { vi: 'Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.', en: 'Too many requests. Please try again in a few minutes.' },
  'error.server': { vi: 'Đã có lỗi xảy ra. Vui lòng thử lại sau.', en: 'Something went wrong. Please try again later.' },
  'poster.scan': { vi: 'Quét mã QR để trả lời — chỉ mất 10 giây', en: 'Scan the QR code to answer — it takes 10 seconds' },
  'poster.print': { vi: 'In', en: 'Print' },
} satisfies Record<string, Localized>;

export type MessageKey = keyof typeof messages;

/** A message in the given language, with {name} placeholders filled (values are not escaped: views escape). */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return fill(messages[key][locale], vars);
}

export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
