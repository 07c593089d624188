import pino from 'pino';

export type Logger = pino.Logger;

/** Values that are secrets, under these keys at the top of a log line or one object down. */
const SECRET_KEYS = ['password', 'passwordHash', 'password_hash', 'secret', 'sessionSecret', 'token', 'apiKey', 'authorization', 'cookie', 'smtpUrl', 'databaseUrl'];

/** Personal data of contacts and colleagues, under these keys at the top of a log line or one object down. */
const PERSONAL_KEYS = ['email', 'emails', 'contacts', 'recipients'];

/**
 * What a failed query carries from the data (TypeORM's QueryFailedError and pg's DatabaseError): the bound
 * parameters (a password hash, a whole import batch), and PostgreSQL's `detail` ("Failing row contains
 * (…)", "Key (lower(email))=(…) already exists"), `where` and `internalQuery`, which quote values too.
 * `driverError` repeats the pg error that QueryFailedError already copies to its own fields. Kept: the
 * message, the SQL text (its values are bound, never inlined), code, table, column, constraint, stack.
 */
const QUERY_DATA_KEYS = ['parameters', 'detail', 'where', 'internalQuery', 'driverError'];

export const REDACTED_PATHS = [
  ...[...SECRET_KEYS, ...PERSONAL_KEYS].flatMap((key) => [key, `*.${key}`]),
  ...QUERY_DATA_KEYS.flatMap((key) => [`err.${key}`, `error.${key}`]),
];

/** Query values that name people (the contacts search); masked in logged URLs. */
const PERSONAL_QUERY_PARAMS = /([?&](?:q|email)=)[^&#]*/g;

/**
 * A request as the access log shows it: invitation and unsubscribe tokens are secrets, and a search may
 * be someone's name or address, so both are masked in the URL.
 */
export function logSafeUrl(url: string): string {
  return url.replace(/\/([iu])\/[^/?#]+/, '/$1/:token').replace(PERSONAL_QUERY_PARAMS, '$1[redacted]');
}

/** The serializers of the request log (pino-http): no headers (cookies, API keys), a masked URL. */
export const requestLogSerializers = {
  req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: logSafeUrl(req.url) }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
};

/**
 * Structured JSON logs on stdout (or `destination`); one logger for the app, children carry the request
 * id. Secrets, personal data and a failed query's data are redacted at every level (see above).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'touchpoint' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
