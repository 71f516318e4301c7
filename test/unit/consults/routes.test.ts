import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../../lambdas/api/openapi.js';
import { routes } from '../../../lambdas/api/routes.js';
import { consultRoutes } from '../../../lambdas/consults/routes.js';

describe('consult routes', () => {
  it('are in the route table once each', () => {
    const ids = routes.map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of consultRoutes) expect(ids).toContain(route.operationId);
  });

  it('are public only where a guest without an account needs them', () => {
    expect(consultRoutes.filter((route) => route.auth === 'public').map((route) => route.operationId)).toEqual(['redeemConsultInvite', 'joinConsultAsGuest']);
  });

  it.each(consultRoutes.map((route) => [route.operationId, route] as const))('%s has examples its own schemas accept, and refuses unknown fields', (_id, route) => {
    const r = route as (typeof consultRoutes)[number] & { body?: any; example?: unknown; query?: any };
    expect(r.success.example).toBeDefined();
    if (r.body) {
      expect(r.example).toBeDefined();
      expect(r.body.safeParse(r.example).error?.issues ?? []).toEqual([]);
      expect(r.body.safeParse({ ...(r.example as object), surprise: 1 }).success).toBe(false);
    }
    if (r.query) expect(r.query.safeParse({ surprise: '1' }).success).toBe(false);
  });

  it('never answer a guest link token or join token to an Idempotency-Key replay', () => {
    const replayable = consultRoutes.filter((route) => (route as { idempotent?: boolean }).idempotent).map((route) => route.operationId);
    expect(replayable).not.toContain('inviteToConsult');
    expect(replayable).not.toContain('joinConsult');
  });

  it('appear in the OpenAPI document', () => {
    const document = buildOpenApi(routes, { title: 't', version: '1' }) as { paths: Record<string, Record<string, any>> };
    for (const route of consultRoutes) {
      const operation = document.paths[route.path]![route.method.toLowerCase()];
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.security).toEqual(route.auth === 'public' ? [] : [{ bearer: [] }]);
    }
  });
});
