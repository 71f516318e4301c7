import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Invite link tokens and guest session secrets: 32 random bytes, base64url (43 characters). Only their SHA-256 is
 * stored, so a read of the table yields nothing usable. Guest session tokens are `<participantId>.<secret>`: the id
 * finds the record in one read, the secret proves possession.
 */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant time, so the comparison does not leak how much of a guess was right. */
export function secretMatches(secret: string, storedHash: string | undefined): boolean {
  if (!storedHash) return false;
  const given = Buffer.from(hashSecret(secret));
  const stored = Buffer.from(storedHash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export function guestSessionToken(participantId: string, secret: string): string {
  return `${participantId}.${secret}`;
}

export function parseGuestSession(token: string): { participantId: string; secret: string } | undefined {
  const dot = token.indexOf('.');
  if (dot < 0) return undefined;
  const participantId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  return SECRET_PATTERN.test(secret) ? { participantId, secret } : undefined;
}
