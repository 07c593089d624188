import crypto from 'node:crypto';

/** 16 random bytes = 128 bits, URL-safe: 22 characters of base64url. */
export function newInvitationToken(): string {
  return crypto.randomBytes(16).toString('base64url');
}

export const INVITATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;
