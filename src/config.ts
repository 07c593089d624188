import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Joi from 'joi';
import { projectRoot } from './paths';

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly baseUrl: string;
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly sessionSecret: string;
  readonly logLevel: string;
  readonly trustProxy: boolean;
  /** Answers one address may post per minute to the public survey pages. */
  readonly publicRateLimitPerMinute: number;
  /** Webhook URLs may point at loopback, private and link-local addresses (a receiver on the same network). */
  readonly webhookAllowPrivate: boolean;
}

const schema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }).empty(''),
  DATA_DIR: Joi.string().default('./data'),
  SMTP_URL: Joi.string().uri({ scheme: ['smtp', 'smtps'] }).empty(''),
  MAIL_FROM: Joi.string().default('Touchpoint <no-reply@localhost>'),
  SESSION_SECRET: Joi.string().min(32).empty('')
    .messages({ 'string.min': 'SESSION_SECRET must be at least 32 characters long' }),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  TRUST_PROXY: Joi.boolean().truthy('1').falsy('0').default(false),
  PUBLIC_RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(1).max(1_000_000).default(120),
  WEBHOOK_ALLOW_PRIVATE: Joi.boolean().truthy('1').falsy('0').empty('').default(false)
    .messages({ 'boolean.base': 'WEBHOOK_ALLOW_PRIVATE must be 1 or 0' }),
}).unknown(true);

export class ConfigError extends Error {}

/** Session secret for development: generated once and kept in DATA_DIR so sessions survive restarts. */
function developmentSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Validates process.env once; a bad value stops start-up with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value, error } = schema.validate(env, { abortEarly: false, convert: true });
  if (error) {
    const lines = error.details.map((d) => `  - ${d.message}`).join('\n');
    throw new ConfigError(`Invalid configuration (see .env.example):\n${lines}`);
  }
  const dataDir = path.resolve(projectRoot, value.DATA_DIR);
  const port: number = value.PORT;
  let sessionSecret: string | undefined = value.SESSION_SECRET;
  if (!sessionSecret) {
    if (value.NODE_ENV === 'production') {
      throw new ConfigError('Invalid configuration (see .env.example):\n  - SESSION_SECRET is required when NODE_ENV=production');
    }
    sessionSecret = developmentSessionSecret(dataDir);
  }
  return Object.freeze({
    env: value.NODE_ENV,
    port,
    baseUrl: String(value.BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: value.DATABASE_URL ?? null,
    dataDir,
    smtpUrl: value.SMTP_URL ?? null,
    mailFrom: value.MAIL_FROM,
    sessionSecret,
    logLevel: value.LOG_LEVEL,
    trustProxy: value.TRUST_PROXY,
    publicRateLimitPerMinute: value.PUBLIC_RATE_LIMIT_PER_MINUTE,
    webhookAllowPrivate: value.WEBHOOK_ALLOW_PRIVATE,
  });
}
