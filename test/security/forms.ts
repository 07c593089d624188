/**
 * Reads the forms of a rendered page as a browser would submit them: their action and method, and the
 * fields in document order (repeated names kept, as parallel inputs post them). The suite fills a route's
 * fields from the form that posts to it, so a field added to a view is fuzzed without touching the suite.
 */

export interface FormControl {
  name: string;
  /** What a browser submits for it by default, or null when it submits nothing (unchecked, unselected, another button). */
  value: string | null;
  /** `maxlength`, when the view sets one. */
  maxLength: number | null;
}

export interface PageForm {
  action: string;
  method: 'get' | 'post';
  enctype: string;
  controls: FormControl[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

export function pageForms(html: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const f of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(f[1]);
    const body = f[2];
    const controls: FormControl[] = [];
    let buttonTaken = false;
    const tags = /<(input|textarea|select|button)\b([^>]*)>/gi;
    for (let m = tags.exec(body); m; m = tags.exec(body)) {
      const kind = m[1].toLowerCase();
      const a = attributes(m[2]);
      const maxLength = a.maxlength ? Number(a.maxlength) : null;
      if (kind === 'textarea') {
        const end = body.indexOf('</textarea>', tags.lastIndex);
        const content = decodeEntities(body.slice(tags.lastIndex, end).replace(/^\r?\n/, ''));
        tags.lastIndex = end;
        if (a.name) controls.push({ name: a.name, value: 'disabled' in a ? null : content, maxLength });
      } else if (kind === 'select') {
        const end = body.indexOf('</select>', tags.lastIndex);
        const options = [...body.slice(tags.lastIndex, end).matchAll(/<option\b([^>]*)>([^<]*)/gi)].map((o) => ({ a: attributes(o[1]), text: decodeEntities(o[2]).trim() }));
        tags.lastIndex = end;
        const chosen = options.find((o) => 'selected' in o.a) ?? options[0];
        if (a.name) controls.push({ name: a.name, value: 'disabled' in a || !chosen ? null : (chosen.a.value ?? chosen.text), maxLength });
      } else if (kind === 'button') {
        const type = (a.type ?? 'submit').toLowerCase();
        if (!a.name || type !== 'submit') continue;
        controls.push({ name: a.name, value: buttonTaken ? null : (a.value ?? ''), maxLength });
        buttonTaken = true;
      } else {
        const type = (a.type ?? 'text').toLowerCase();
        if (!a.name || type === 'file' || type === 'image' || type === 'reset') continue;
        if (type === 'submit') {
          controls.push({ name: a.name, value: buttonTaken ? null : (a.value ?? ''), maxLength });
          buttonTaken = true;
          continue;
        }
        const checkable = type === 'checkbox' || type === 'radio';
        const off = 'disabled' in a || (checkable && !('checked' in a));
        controls.push({ name: a.name, value: off ? null : (a.value ?? (checkable ? 'on' : '')), maxLength });
      }
    }
    forms.push({
      action: attrs.action ?? '',
      method: (attrs.method ?? 'get').toLowerCase() === 'post' ? 'post' : 'get',
      enctype: attrs.enctype ?? 'application/x-www-form-urlencoded',
      controls,
    });
  }
  return forms;
}

/** The form that submits to `path` with `method` (the action's path, its query ignored). */
export function formFor(html: string, method: 'get' | 'post', path: string): PageForm | null {
  return pageForms(html).find((f) => f.method === method && f.action.split('?')[0] === path) ?? null;
}
