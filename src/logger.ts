import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout; one logger for the app, children carry the request id. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'touchpoint' }, timestamp: pino.stdTimeFunctions.isoTime });
}
