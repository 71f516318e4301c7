/**
 * Named domain errors. Domain code throws these; the HTTP layer maps them to problem+json in one place
 * (see api/problem.ts). Messages must never contain patient data: they are sent to clients and logged.
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(
    message: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

export class Unauthorized extends DomainError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class Forbidden extends DomainError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

/** Also used for "exists but not yours", so callers cannot probe for other patients' records. */
export class NotFound extends DomainError {
  readonly status = 404;
  readonly title = 'Not found';
}

export class Conflict extends DomainError {
  readonly status = 409;
  readonly title = 'Conflict';
}

export class PreconditionFailed extends DomainError {
  readonly status = 412;
  readonly title = 'Precondition failed';
}

export class IdempotencyKeyReused extends DomainError {
  readonly status = 422;
  readonly title = 'Idempotency key reused';
}

export class TooManyRequests extends DomainError {
  readonly status = 429;
  readonly title = 'Too many requests';
}
