import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { DomainError, Forbidden, NotFound, Unauthorized, ValidationError } from '../shared/errors.js';
import { fingerprint, type IdempotencyStore } from '../shared/idempotency.js';
import { logger, metrics, tracer } from '../shared/observability.js';
import type { ApiRequest, ApiResponse, Caller, Operations } from './operation.js';
import { problemFromError } from './problem.js';
import { isRole, type Role } from './roles.js';
import type { RouteDefinition } from './route.js';
import { parseOrThrow } from './validation.js';

export interface HttpHandlerOptions {
  /** Routes of the whole API; the handler serves those whose `fn` is this function's. */
  readonly routes: readonly RouteDefinition[];
  readonly fn: string;
  readonly operations: Operations;
  readonly idempotency?: IdempotencyStore;
  readonly allowedOrigins?: readonly string[];
}

export type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** `cognito:groups` arrives as a string from the REST API Cognito authorizer ("a,b" or "[a b]") and as an array elsewhere. */
export function parseGroups(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  const trimmed = claim.trim();
  if (trimmed.startsWith('[') && trimmed.includes('"')) {
    try {
      return (JSON.parse(trimmed) as unknown[]).map(String);
    } catch {
      /* fall through to the separator forms */
    }
  }
  return trimmed.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}

export function callerFromClaims(claims: Record<string, unknown> | undefined): Caller | null {
  if (!claims || typeof claims.sub !== 'string' || !claims.sub) return null;
  const groups = parseGroups(claims['cognito:groups']).filter(isRole) as Role[];
  const role = groups[0];
  if (!role) return null;
  return { userId: claims.sub, role, groups };
}

function lowerCaseHeaders(headers: APIGatewayProxyEvent['headers'] | null): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value ?? undefined;
  return out;
}

const emptyObject = z.strictObject({});

/**
 * Builds the Lambda handler of one function: finds the route, authenticates and authorizes by role,
 * validates path, query and body by the route's schemas, honours Idempotency-Key, calls the operation,
 * and maps every error to problem+json in this one place.
 */
export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  const routes = options.routes.filter((route) => route.fn === options.fn);
  for (const route of routes) {
    if (!options.operations[route.operationId]) throw new Error(`function ${options.fn} has no operation ${route.operationId}`);
  }
  const byKey = new Map(routes.map((route) => [`${route.method} ${route.path}`, route]));

  const core = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    const headers = lowerCaseHeaders(event.headers);
    const started = Date.now();
    const route = byKey.get(`${event.httpMethod} ${event.resource}`);
    logger.appendKeys({ requestId, operationId: route?.operationId ?? 'unknown' });
    let response: ApiResponse;
    try {
      if (!route) throw new NotFound('no such route');
      response = await serve(route, event, headers, requestId);
    } catch (error) {
      response = errorResponse(error, requestId, route?.operationId);
    }
    const status = response.status;
    metrics.addDimension('operation', route?.operationId ?? 'unknown');
    metrics.addMetric(status >= 500 ? 'ServerError' : status >= 400 ? 'ClientError' : 'Success', MetricUnit.Count, 1);
    metrics.addMetric('Latency', MetricUnit.Milliseconds, Date.now() - started);
    logger.info('request', { status, method: event.httpMethod, resource: event.resource, ms: Date.now() - started });
    return toResult(response, requestId, corsHeaders(headers.origin, options.allowedOrigins ?? []));
  };

  async function serve(
    route: RouteDefinition,
    event: APIGatewayProxyEvent,
    headers: Record<string, string | undefined>,
    requestId: string,
  ): Promise<ApiResponse> {
    let caller: Caller | null = null;
    if (route.auth === 'user') {
      caller = callerFromClaims(event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined);
      if (!caller) throw new Unauthorized('a valid token with a known role is required');
      if (route.roles && !route.roles.includes(caller.role)) throw new Forbidden('your role may not call this operation');
    }
    const params = parseOrThrow(route.params ?? emptyObject, event.pathParameters ?? {}, 'path') as Record<string, string>;
    const query = parseOrThrow(route.query ?? emptyObject, event.queryStringParameters ?? {}, 'query');
    let body: unknown = undefined;
    if (route.body) {
      body = parseOrThrow(route.body, parseJsonBody(event), 'body');
    } else if (event.body && event.body.trim() !== '') {
      throw new ValidationError('this operation takes no body', [{ field: 'body', message: 'must be empty' }]);
    }
    const request: ApiRequest = { requestId, operationId: route.operationId, caller, params, query, body, headers };
    const operation = options.operations[route.operationId]!;
    const idempotencyKey = headers['idempotency-key'];
    if (route.idempotent !== true || !idempotencyKey || !options.idempotency || !caller) return operation(request);

    if (idempotencyKey.length > 128) throw new ValidationError('Idempotency-Key is too long', [{ field: 'header.idempotency-key', message: 'at most 128 characters' }]);
    const scope = `${caller.userId}#${route.operationId}`;
    const requestFingerprint = fingerprint(event.path ?? '', JSON.stringify(body ?? null));
    const stored = await options.idempotency.begin(scope, idempotencyKey, requestFingerprint);
    if (stored) return { ...stored, headers: { 'idempotent-replayed': 'true' } };
    try {
      const response = await operation(request);
      await options.idempotency.complete(scope, idempotencyKey, { status: response.status, body: response.body });
      return response;
    } catch (error) {
      // Domain rejections are the answer to this request and are replayed as such; faults free the key for a retry.
      if (error instanceof DomainError) {
        const problem = problemFromError(error, requestId);
        await options.idempotency.complete(scope, idempotencyKey, { status: problem.status, body: problem });
      } else {
        await options.idempotency.release(scope, idempotencyKey).catch(() => undefined);
      }
      throw error;
    }
  }

  return middy(core)
    // The response is the API's answer (patient records, notes, intake): never copied into the trace as metadata.
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

function parseJsonBody(event: APIGatewayProxyEvent): unknown {
  if (!event.body) return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body is not valid JSON', [{ field: 'body', message: 'must be a JSON document' }]);
  }
}

function errorResponse(error: unknown, requestId: string, operationId: string | undefined): ApiResponse {
  const problem = problemFromError(error, requestId);
  if (problem.status >= 500) {
    // Name and stack only: domain messages never hold PHI, but SDK errors could echo values.
    const err = error instanceof Error ? error : new Error(String(error));
    logger.error('request failed', { operationId, errorName: err.name, stack: err.stack?.split('\n').slice(1, 8).join('\n') });
  }
  return { status: problem.status, body: problem, headers: { 'content-type': 'application/problem+json' } };
}

function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (!origin || !allowed.includes(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

function toResult(response: ApiResponse, requestId: string, cors: Record<string, string>): APIGatewayProxyResult {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': requestId,
    'cache-control': 'no-store',
    ...cors,
    ...(response.headers ?? {}),
  };
  return {
    statusCode: response.status,
    headers,
    body: response.body === undefined ? '' : JSON.stringify(response.body),
  };
}
