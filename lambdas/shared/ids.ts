import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Opaque, type-prefixed, time-sortable ids (`pat_01J...`). Never derived from names or other PHI. */
export type IdPrefix = 'fac' | 'prac' | 'pat' | 'appt' | 'cons' | 'inv' | 'dev' | 'rsess' | 'aud' | 'note' | 'req';

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${nextUlid(now)}`;
}

const ID_PATTERN = /^[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}$/;

export function isId(value: string, prefix?: IdPrefix): boolean {
  return ID_PATTERN.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`));
}
