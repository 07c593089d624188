import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { viewsDir } from '../paths';
import { helpers } from '../web/view-helpers';

/**
 * Email templates: views/emails/<name>.hbs (HTML, `{{…}}` escapes) and views/emails/<name>.text.hbs
 * (plain text: nothing is HTML-escaped, since nothing there is HTML). Compiled once per process.
 */
const hbs = Handlebars.create();
hbs.registerHelper({ t: helpers.t, eq: helpers.eq });

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function template(file: string, noEscape: boolean): HandlebarsTemplateDelegate {
  let fn = compiled.get(file);
  if (!fn) {
    fn = hbs.compile(fs.readFileSync(path.join(viewsDir, 'emails', file), 'utf8'), { noEscape, strict: false });
    compiled.set(file, fn);
  }
  return fn;
}

/** Renders both bodies of an email; the context carries `locale` for the {{t}} helper. */
export function renderEmail(name: string, context: { locale: string } & Record<string, unknown>): { html: string; text: string } {
  return {
    html: template(`${name}.hbs`, false)(context),
    text: template(`${name}.text.hbs`, true)(context).replace(/\n{3,}/g, '\n\n').trim() + '\n',
  };
}
