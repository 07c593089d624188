import { eng as EN_STOPWORDS, vie as VI_STOPWORDS } from 'stopword';
import { detect } from 'tinyld';
import stem from 'wink-porter2-stemmer';

/**
 * Text preparation of a comment, all local: Unicode NFC (phones send decomposed Vietnamese), lower case,
 * the language from the text itself (a Vietnamese survey gets English answers and the other way round),
 * then phrases. Vietnamese words are mostly two syllables ("nhân viên", "thanh toán"), so Vietnamese
 * phrases are two to four syllables; English phrases are Porter2 stems, one to three words.
 * Stop words never start or end a phrase, and a phrase never spans punctuation.
 *
 * A phrase's key folds the diacritics away, so "chờ lâu" and "cho lau" (typed without accents) count as
 * one theme; the label shown is the accented spelling when one was seen.
 */

export type TextLanguage = 'vi' | 'en';

export interface Phrase {
  /** vi: folded syllables ("cho lau"); en: stems ("wait long"). Prefixed by the language in storage. */
  key: string;
  /** The words as written (lower case, NFC): what a page shows. */
  label: string;
}

export interface PreparedComment {
  language: TextLanguage;
  phrases: Phrase[];
}

/** Letters that mark a text as Vietnamese by themselves (after NFC): no English word carries them. */
const VIETNAMESE_LETTERS = /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/;

/** Removes diacritics: Vietnamese tone and vowel marks, đ -> d. */
export function foldDiacritics(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC');
}

const hasDiacritics = (word: string) => foldDiacritics(word) !== word;

const VI_STOP = new Set(VI_STOPWORDS.filter((w) => !w.includes(' ')));
/**
 * The stop list folded, for Vietnamese typed without accents. A folded stop word that is also a common
 * content word once its accents are gone stays out: "cho" (for) is "chờ" (wait) or "chợ" (market) typed
 * without accents, and "chờ lâu" must stay a phrase.
 */
const AMBIGUOUS_FOLDED = new Set(['cho', 'lai', 'ra', 'ma', 'co', 'de', 'den', 'do', 'khi', 'len', 'luc', 'moi', 've', 'nhu', 'vi']);
const VI_STOP_FOLDED = new Set([...VI_STOP].map(foldDiacritics).filter((w) => !AMBIGUOUS_FOLDED.has(w)));
const EN_STOP = new Set([...EN_STOPWORDS, 'im', 'ive', 'dont', 'didnt', 'wasnt', 'isnt', 'cant', 'wont', 'also', 'just', 'really', 'very', 'much', 'got', 'get']);

/** Unaccented syllables that only Vietnamese uses (no English word is spelled so). */
const VI_ONLY_SYLLABLES = new Set(['khong', 'duoc', 'nhan', 'vien', 'hang', 'qua', 'nhung', 'cua', 'nguoi', 'rat', 'tre', 'lau', 'nhanh', 'cham', 'toan', 'thanh', 'giao', 'bao', 'tien']);

/**
 * A Vietnamese syllable typed without accents: an initial consonant (or none), one to three vowels, and one of
 * the few finals Vietnamese allows. English words mostly are not ("staff", "delivery", "waited").
 */
const VI_SYLLABLE = /^(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$/;

/** Words and numbers; everything else (punctuation, emoji, symbols, markup a customer typed) ends a run of words. */
const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}]+)?/gu;
const BREAK = /[.,;:!?()[\]{}"“”…\n\r\t/\\|–—<>&*=+#@~^_-]+/u;

/** Which language a comment is in: Vietnamese letters decide at once; otherwise a detector limited to vi/en, else the survey's locale. */
export function detectLanguage(text: string, fallback: TextLanguage): TextLanguage {
  if (VIETNAMESE_LETTERS.test(text)) return 'vi';
  if (!/[a-z]{2}/.test(text)) return fallback;
  // Clear cases first (the detector costs about half a millisecond): stop words of one language only.
  let en = 0;
  let vi = 0;
  let words = 0;
  let foreign = 0;
  for (const [word] of text.matchAll(/[a-z0-9']+/g)) {
    // Codes and numbers ("c4ca4238", "0912") say nothing of the language.
    if (/\d/.test(word)) continue;
    words++;
    if (!VI_SYLLABLE.test(word)) foreign++;
    if (EN_STOP.has(word)) en++;
    if (VI_STOP_FOLDED.has(word) || VI_ONLY_SYLLABLES.has(word)) vi++;
  }
  if (en >= 2 && vi === 0) return 'en';
  if (vi >= 2 && en === 0) return 'vi';
  // Nothing Vietnamese, and most words spelled as no Vietnamese syllable is ("delivery", "staff", "failed"): English.
  if (vi === 0 && foreign >= 2 && foreign * 2 >= words) return 'en';
  const found = detect(text, { only: ['vi', 'en'] });
  return found === 'vi' || found === 'en' ? found : fallback;
}

interface Token { key: string; label: string; stop: boolean }

function tokensOf(run: string, language: TextLanguage): Token[] {
  const out: Token[] = [];
  for (const match of run.matchAll(WORD)) {
    const word = match[0].replace(/’/g, "'");
    // Numbers and codes ("3", "0912", "c4ca4238", "HD-7781" cut at the dash) are never part of a theme's ends.
    if (/\p{N}/u.test(word)) {
      out.push({ key: word, label: word, stop: true });
      continue;
    }
    if (language === 'vi') {
      const folded = foldDiacritics(word);
      const stop = hasDiacritics(word) ? VI_STOP.has(word) : VI_STOP_FOLDED.has(folded);
      out.push({ key: folded, label: word, stop });
    } else {
      const plain = word.replace(/'/g, '');
      out.push({ key: stem(plain), label: word, stop: EN_STOP.has(plain) || EN_STOP.has(word) || plain.length < 2 });
    }
  }
  return out;
}

/** Phrase lengths in words: Vietnamese syllables pair up into words, so a lone syllable says little. */
const LENGTHS: Record<TextLanguage, number[]> = { vi: [2, 3, 4], en: [1, 2, 3] };

/** Prepares one comment: its language and its distinct phrases (each counted once per comment). */
export function prepareComment(comment: string, fallback: TextLanguage): PreparedComment {
  const text = comment.normalize('NFC').toLowerCase();
  const language = detectLanguage(text, fallback);
  const seen = new Map<string, Phrase>();
  for (const run of text.split(BREAK)) {
    const tokens = tokensOf(run, language);
    for (const n of LENGTHS[language]) {
      for (let i = 0; i + n <= tokens.length; i++) {
        const words = tokens.slice(i, i + n);
        if (words[0].stop || words[n - 1].stop) continue;
        // A phrase of one repeated word ("rất rất") is noise, not a theme.
        if (n > 1 && words.every((w) => w.key === words[0].key)) continue;
        const key = words.map((w) => w.key).join(' ');
        if (key.length > 120) continue;
        const label = words.map((w) => w.label).join(' ');
        const known = seen.get(key);
        // Prefer the spelling with accents when the same comment has both.
        if (!known || (!hasDiacritics(known.label) && hasDiacritics(label))) seen.set(key, { key, label });
      }
    }
  }
  return { language, phrases: [...seen.values()] };
}

/** Whether phrase `a` and `b` share words in sequence (one inside the other, or overlapping at an end). */
export function phrasesOverlap(a: string, b: string): boolean {
  const x = a.split(' ');
  const y = b.split(' ');
  const inside = (s: string[], t: string[]) => ` ${t.join(' ')} `.includes(` ${s.join(' ')} `);
  if (inside(x, y) || inside(y, x)) return true;
  for (let k = 1; k < Math.min(x.length, y.length); k++) {
    if (x.slice(-k).join(' ') === y.slice(0, k).join(' ') || y.slice(-k).join(' ') === x.slice(0, k).join(' ')) return true;
  }
  return false;
}
