import fs from 'node:fs';
import path from 'node:path';
import { t, type Locale, type MessageKey } from '../../src/i18n';
import { ROLES } from '../../src/modules/auth/user.entity';
import { viewsDir } from '../../src/paths';

/**
 * Views name their strings by key, which the compiler cannot check. Every .hbs file under views/ (pages,
 * layouts, partials, emails) is read; every key given to the `t` helper must exist in Vietnamese and
 * English. Keys come three ways:
 * - a literal: {{t "key"}}, (t "key" n=1);
 * - a partial's parameter: {{t key}} inside a partial, with key="…" written at each {{> partial}} call;
 * - built at render time: {{t (concat "prefix." value)}}, checked for every value listed in DYNAMIC.
 * Anything else (a key the test cannot know) fails, so a new kind of call cannot go unchecked.
 */

/** The values of each dynamic key prefix, from where the view's data comes. */
const DYNAMIC: Record<string, readonly string[]> = {
  // layouts/dashboard.hbs: the signed-in user's role.
  'role.': ROLES,
  // dashboard/detail.hbs: the verbatim tabs, `key` of verbatimGroups (src/modules/dashboard/dashboard.routes.ts).
  'metrics.groupFilter.': ['all', 'promoter', 'passive', 'detractor'],
};

interface View { file: string; text: string }

function hbsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return hbsFiles(full);
    return e.name.endsWith('.hbs') ? [full] : [];
  });
}

const views: View[] = hbsFiles(viewsDir).sort().map((full) => ({
  file: path.relative(viewsDir, full).split(path.sep).join('/'),
  // Comments are not rendered.
  text: fs.readFileSync(full, 'utf8').replace(/\{\{!--[\s\S]*?--\}\}/g, '').replace(/\{\{![\s\S]*?\}\}/g, ''),
}));

/**
 * The name a partial is used by: views/partials/x.hbs is {{> x}} (express-handlebars' partialsDir);
 * views/dashboard/partials/x.hbs is {{> dash-x}} (src/modules/dashboard/partials.ts).
 */
function partialName(file: string): string | null {
  const m = /^(?:(dashboard)\/)?partials\/(.+)\.hbs$/.exec(file);
  if (!m) return null;
  return m[1] ? `dash-${m[2]}` : m[2];
}

/** Where the `t` helper is called: `{{t …` or `(t …`. */
const T_CALL = /(?:\{\{~?|\()\s*t\s+/g;
/** Its first argument: "literal" | 'literal' | (concat "prefix" value) | a path (a variable). */
const T_ARGUMENT = /^(?:"([^"]*)"|'([^']*)'|\(concat\s+"([^"]*)"\s+[^\s)]+\s*\)|([@\w][\w.@/-]*))/;

interface Use { file: string; key: string }

/** Every key the views use, and every call whose key the test cannot know. */
function keysUsed(): { uses: Use[]; unknown: string[] } {
  const uses: Use[] = [];
  const unknown: string[] = [];
  for (const { file, text } of views) {
    for (const call of text.matchAll(T_CALL)) {
      const rest = text.slice(call.index + call[0].length);
      const arg = T_ARGUMENT.exec(rest);
      const shown = `${file}: ${call[0].trim()}${rest.slice(0, 50).split('\n')[0]}`;
      if (!arg) {
        unknown.push(shown);
      } else if (arg[1] !== undefined || arg[2] !== undefined) {
        uses.push({ file, key: arg[1] ?? arg[2] });
      } else if (arg[3] !== undefined) {
        const values = DYNAMIC[arg[3]];
        if (values) for (const v of values) uses.push({ file, key: `${arg[3]}${v}` });
        else unknown.push(`${shown} (add the values of "${arg[3]}…" to DYNAMIC)`);
      } else {
        // A variable: only a partial's parameter, written at every call of the partial, can be known.
        const param = arg[4];
        const name = partialName(file);
        const calls = name ? views.flatMap((v) => [...v.text.matchAll(new RegExp(`\\{\\{>\\s*${name}(\\s[^}]*)?\\}\\}`, 'g'))].map((m) => ({ v, hash: m[1] ?? '' }))) : [];
        if (calls.length === 0) unknown.push(`${shown} (a variable key outside a partial, or a partial never used)`);
        for (const { v, hash } of calls) {
          const literal = new RegExp(`(?:^|\\s)${param}=(?:"([^"]*)"|'([^']*)')`).exec(hash);
          if (literal) uses.push({ file: `${v.file} → ${file}`, key: literal[1] ?? literal[2] });
          else unknown.push(`${v.file}: {{> ${name}${hash}}} gives ${file} no literal ${param}`);
        }
      }
    }
  }
  return { uses, unknown };
}

function translated(locale: Locale, key: string): boolean {
  try {
    return t(locale, key as MessageKey).trim() !== '';
  } catch {
    return false;
  }
}

describe('views', () => {
  test('every translation key a view uses exists in Vietnamese and English', () => {
    const { uses } = keysUsed();
    const missing = uses.flatMap(({ file, key }) => (['vi', 'en'] as const).filter((l) => !translated(l, key)).map((l) => `${file}: ${key} (${l})`));
    // The scan reaches pages, layouts, partials (through their callers) and emails.
    const files = new Set(uses.map((u) => u.file.split(' → ').pop()));
    for (const f of ['layouts/dashboard.hbs', 'partials/nav-link.hbs', 'emails/invitation.hbs', 'manage/contacts/list.hbs', 'dashboard/detail.hbs', 'public/survey.hbs']) {
      expect(files).toContain(f);
    }
    expect(uses.length).toBeGreaterThan(500);
    expect([...new Set(missing)]).toEqual([]);
  });

  test('every key is one the test can know: a literal, a partial parameter written at each call, or a listed dynamic prefix', () => {
    expect(keysUsed().unknown).toEqual([]);
  });

  test('no management view writes unescaped output', () => {
    const manage = views.filter((v) => v.file.startsWith('manage/'));
    expect(manage.length).toBeGreaterThanOrEqual(13);
    expect(manage.filter((v) => v.text.includes('{{{')).map((v) => v.file)).toEqual([]);
  });

  test('every message of every catalog is written in both languages', () => {
    const dir = path.join(__dirname, '../../src/i18n/messages');
    // Every catalog file on disk, registered in src/i18n or not: a dynamic require is the point here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const catalogs = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).flatMap((f) => Object.values(require(path.join(dir, f)) as Record<string, Record<string, { vi: string; en: string }>>));
    expect(catalogs.length).toBeGreaterThanOrEqual(6);
    const empty = catalogs.flatMap((c) => Object.entries(c)).filter(([, v]) => !v.vi.trim() || !v.en.trim()).map(([k]) => k);
    expect(empty).toEqual([]);
  });
});
