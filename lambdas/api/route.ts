import type { z } from 'zod';
import type { Role } from './roles.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One API route. The table of these (routes.ts) is the single source of truth read by the CDK `Api`
 * construct, the local HTTP front, request validation, the OpenAPI document and the authorization tests.
 */
export interface RouteDefinition {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  /** The Lambda function (capability) that serves the route; one entry file per function in lambdas/entry/. */
  readonly fn: string;
  readonly summary: string;
  readonly tag: string;
  /** `public`: no token (health, OpenAPI). `user`: a valid token whose role is in `roles`. */
  readonly auth: 'public' | 'user';
  readonly roles?: readonly Role[];
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /**
   * Creating POSTs honour `Idempotency-Key` (CONVENTIONS.md: retries). `true`: the HTTP layer stores the first
   * response and replays it. `'by-operation'`: the operation handles the key itself, for responses that carry a
   * secret which must never be stored (a device's private key).
   */
  readonly idempotent?: boolean | 'by-operation';
  /** Success status and an example response body for the OpenAPI document. */
  readonly success: { readonly status: number; readonly example?: unknown; readonly description?: string };
  /** Example request body (OpenAPI). */
  readonly example?: unknown;
}

export function defineRoutes<const T extends readonly RouteDefinition[]>(routes: T): T {
  return routes;
}
