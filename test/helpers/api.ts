import request from 'supertest';
import type { TestApp } from './app';

/** GET and POST on /api/v1 with the test app's key; `app` is read at call time (it is set in beforeAll). */
export function apiClient(app: () => TestApp) {
  return {
    get: (path: string) => request(app().app).get(`/api/v1${path}`).set('Authorization', `Bearer ${app().apiKey}`),
    post: (path: string, body: unknown) => request(app().app).post(`/api/v1${path}`).set('Authorization', `Bearer ${app().apiKey}`).send(body as object),
  };
}

/** The API's error contract (SPEC §7): a 4xx with `{ error: { code, message, details } }`. */
export function expectApiError(res: request.Response, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  if (code) expect(res.body.error.code).toBe(code);
}

/** The fields an API error's details name. */
export const detailPaths = (res: request.Response): string[] => res.body.error.details.map((d: { path: string }) => d.path);
