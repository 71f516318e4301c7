import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../../lambdas/api/openapi.js';
import type { RouteDefinition } from '../../../lambdas/api/route.js';
import { routes } from '../../../lambdas/api/routes.js';
import { decodeCursor, encodeCursor } from '../../../lambdas/records/dynamo-support.js';
import { recordsRoutes } from '../../../lambdas/records/routes.js';
import { schedulingRoutes } from '../../../lambdas/scheduling/routes.js';
import { ValidationError } from '../../../lambdas/shared/errors.js';

const ours: readonly RouteDefinition[] = [...recordsRoutes, ...schedulingRoutes];

describe('records and scheduling routes', () => {
  it('are in the route table, with unique operationIds and method + path pairs', () => {
    const ids = routes.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of ours) expect(ids).toContain(route.operationId);
  });

  it.each(ours.map((route) => [route.operationId, route] as const))('%s has a success example, and a body example its own schema accepts', (_id, route) => {
    expect(route.success.example).toBeDefined();
    expect(route.auth).toBe('user');
    if (route.body) {
      expect(route.example).toBeDefined();
      const parsed = route.body.safeParse(route.example);
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it('refuse unknown fields in bodies and queries', () => {
    for (const route of ours) {
      if (route.body && route.example && typeof route.example === 'object') {
        expect(route.body.safeParse({ ...(route.example as object), surprise: 1 }).success, route.operationId).toBe(false);
      }
      if (route.query) expect(route.query.safeParse({ surprise: '1' }).success, route.operationId).toBe(false);
    }
  });

  it('appear in the OpenAPI document with their examples', () => {
    const document = buildOpenApi(routes, { title: 't', version: '1' }) as { paths: Record<string, Record<string, any>> };
    for (const route of ours) {
      const operation = document.paths[route.path]![route.method.toLowerCase()];
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.responses[String(route.success.status)].content['application/json'].example).toEqual(route.success.example);
      if (route.body) expect(operation.requestBody.content['application/json'].example).toEqual(route.example);
    }
  });
});

describe('list cursors', () => {
  const expected = { keyNames: ['pk', 'sk', 'gsi1pk', 'gsi1sk'], partition: { name: 'gsi1pk', value: 'PAT#pat_1#APPTS' } };
  const key = { pk: { S: 'APPT#a' }, sk: { S: 'APPT' }, gsi1pk: { S: 'PAT#pat_1#APPTS' }, gsi1sk: { S: '2026-03-02T09:00:00Z#a' } };

  it('round-trip', () => {
    expect(decodeCursor(encodeCursor(key), expected)).toEqual(key);
    expect(encodeCursor(undefined)).toBeUndefined();
  });

  it.each([
    ['garbage', 'not-base64-json'],
    ['another partition', encodeCursor({ ...key, gsi1pk: { S: 'PAT#pat_2#APPTS' } })!],
    ['missing key', encodeCursor({ pk: key.pk, sk: key.sk, gsi1pk: key.gsi1pk })!],
    ['extra key', encodeCursor({ ...key, other: { S: 'x' } })!],
    ['array', Buffer.from('[1]').toString('base64url')],
  ])('refuse %s with a 400 on query.cursor', (_name, cursor) => {
    try {
      decodeCursor(cursor, expected);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors[0]!.field).toBe('query.cursor');
    }
  });

  it('refuse a cursor outside the queried range', () => {
    expect(() => decodeCursor(encodeCursor(key), { ...expected, accept: (k) => k.gsi1sk! >= '2026-04' })).toThrow(ValidationError);
  });
});
