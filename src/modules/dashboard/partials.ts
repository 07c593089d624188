import fs from 'node:fs';
import path from 'node:path';
import { create } from 'express-handlebars';
import { viewsDir } from '../../paths';

const DIR = path.join(viewsDir, 'dashboard', 'partials');
/** The Handlebars that express-handlebars renders with: partials compiled here run inside its templates. */
const { handlebars } = create();
type Template = ReturnType<typeof handlebars.compile>;
let cached: Record<string, Template> | null = null;

/**
 * The dashboard's own partials (views/dashboard/partials/*.hbs, used as {{> dash-name}}), handed to each
 * render: express-handlebars merges render-level partials with the shared ones, so this area keeps its
 * templates in its own folder. Compiled once (again on every render in development, like the views).
 */
export function dashboardPartials(): Record<string, Template> {
  if (cached && process.env.NODE_ENV !== 'development') return cached;
  const out: Record<string, Template> = {};
  for (const file of fs.readdirSync(DIR)) {
    if (file.endsWith('.hbs')) out[`dash-${file.slice(0, -4)}`] = handlebars.compile(fs.readFileSync(path.join(DIR, file), 'utf8'), {});
  }
  cached = out;
  return out;
}
