import type { MessageKey } from './i18n';

/**
 * What a feature service throws when a request cannot be carried out: a stable kind, a message for
 * API clients, the field it concerns, and a message key so pages can say it in the user's language.
 * Services know nothing of HTTP; src/web/errors.ts is the one place that turns a kind into a status.
 */
export const DOMAIN_ERROR_KINDS = {
  /** 404: the thing does not exist (or is not visible to this caller). */
  not_found: 404,
  /** 409: it already exists, or it changed under the caller. */
  conflict: 409,
  /** 409: the thing is in a state that forbids the request (a draft or closed survey, a kind fixed by answers). */
  wrong_state: 409,
  /** 422: the request names something (a stage key, an owner's email) that does not exist. */
  unknown_reference: 422,
  /** 400: the values are well formed but break a rule of the domain. */
  invalid: 400,
} as const;
export type DomainErrorKind = keyof typeof DOMAIN_ERROR_KINDS;

export interface DomainErrorDetail { path: string; message: string }

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly options: {
      /** The API's error code when it is more precise than the kind (e.g. `survey_closed`). */
      code?: string;
      details?: DomainErrorDetail[];
      messageKey?: MessageKey;
      messageVars?: Record<string, string | number>;
    } = {},
  ) {
    super(message);
  }
}
