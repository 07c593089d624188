/**
 * Errors that say the database cannot be reached right now (refused, restarting, shutting down, the
 * connection cut), as opposed to a statement it refused. A request that meets one is worth retrying in a
 * moment: pages answer 503 "please try again", the API 503 with code `database_unavailable`.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  '57P01', // admin_shutdown (fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
  '08000', '08001', '08003', '08004', '08006', '08P01',
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connect ECONNREFUSED',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
];

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const check = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const x = e as { code?: unknown; message?: unknown; driverError?: unknown; errors?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && UNAVAILABLE_CODES.has(x.code)) return true;
    if (typeof x.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => (x.message as string).includes(m))) return true;
    if (check(x.driverError) || check(x.cause)) return true;
    return Array.isArray(x.errors) && x.errors.some(check);
  };
  return check(err);
}
