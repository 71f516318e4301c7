import { DomainError, type FieldError } from '../shared/errors.js';

/** RFC 9457 problem details, the one error shape of the API (CONVENTIONS.md). */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
  readonly requestId: string;
}

const TYPE_BASE = 'https://telehealth.example.org/problems/';

export function problemFromError(error: unknown, requestId: string): Problem {
  if (error instanceof DomainError) {
    const errors = 'errors' in error ? (error.errors as readonly FieldError[]) : undefined;
    return {
      type: TYPE_BASE + error.name.replace(/Error$/, '').replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase()),
      title: error.title,
      status: error.status,
      detail: error.message,
      ...(errors && errors.length > 0 ? { errors } : {}),
      requestId,
    };
  }
  return { type: TYPE_BASE + 'internal', title: 'Internal error', status: 500, detail: 'internal error', requestId };
}
