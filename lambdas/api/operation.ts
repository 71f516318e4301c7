import type { Role } from './roles.js';

/** The authenticated caller, from the authorizer's claims: `sub` is the user id, the group is the role. */
export interface Caller {
  readonly userId: string;
  readonly role: Role;
  readonly groups: readonly Role[];
}

export interface ApiRequest {
  readonly requestId: string;
  readonly operationId: string;
  /** Null only on public routes. */
  readonly caller: Caller | null;
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters after schema validation (coerced types, defaults applied). */
  readonly query: Readonly<Record<string, unknown>>;
  /** Body after schema validation. */
  readonly body: unknown;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Operation = (request: ApiRequest) => Promise<ApiResponse>;

/** The operations one Lambda function serves, keyed by operationId. */
export type Operations = Readonly<Record<string, Operation>>;

/** Narrows a request to one with a caller (every non-public route). */
export function callerOf(request: ApiRequest): Caller {
  if (!request.caller) throw new Error(`operation ${request.operationId} reached without a caller`);
  return request.caller;
}
