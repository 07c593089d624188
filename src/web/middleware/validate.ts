import type { NextFunction, Request, Response } from 'express';
import type Joi from 'joi';
import { HttpError } from '../errors';

/** Joi's report as the API's `details`: one entry per problem, with the field's path. */
export function toDetails(error: Joi.ValidationError) {
  return error.details.map((d) => ({ path: d.path.join('.'), message: d.message.replace(/"/g, '') }));
}

/** Validates with Joi; unknown fields are rejected, and the caller gets every problem at once. */
export function check<T>(schema: Joi.Schema<T>, value: unknown): T {
  const { value: result, error } = schema.validate(value, { abortEarly: false, allowUnknown: false, stripUnknown: false, convert: true });
  if (error) throw new HttpError(400, 'validation_failed', 'The request is not valid', toDetails(error));
  return result as T;
}

type Source = 'body' | 'query' | 'params';

/** Validates part of the request and keeps the converted value in res.locals.valid[source]. */
export function validate(source: Source, schema: Joi.Schema) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.valid = { ...(res.locals.valid ?? {}), [source]: check(schema, req[source]) };
    next();
  };
}
