import path from 'node:path';
import type { Express } from 'express';
import { engine } from 'express-handlebars';
import { viewsDir } from '../paths';
import { helpers } from './view-helpers';

/** Handlebars views; `{{…}}` escapes everything, and no view uses triple-stash on user text. */
export function setupViewEngine(app: Express): void {
  app.engine('hbs', engine({
    extname: '.hbs',
    defaultLayout: 'public',
    layoutsDir: path.join(viewsDir, 'layouts'),
    partialsDir: path.join(viewsDir, 'partials'),
    helpers,
  }));
  app.set('view engine', 'hbs');
  app.set('views', viewsDir);
  if (process.env.NODE_ENV !== 'development') app.enable('view cache');
}
