import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { z } from 'zod';
import { describe, expect, it, vi } from 'vitest';
import { callerFromClaims, createHttpHandler, parseGroups } from '../../../lambdas/api/http.js';
import type { Operations } from '../../../lambdas/api/operation.js';
import type { RouteDefinition } from '../../../lambdas/api/route.js';
import { Conflict, NotFound } from '../../../lambdas/shared/errors.js';
import type { IdempotencyStore, StoredResponse } from '../../../lambdas/shared/idempotency.js';
import { tracer } from '../../../lambdas/shared/observability.js';

const routes: RouteDefinition[] = [
  { operationId: 'createThing', method: 'POST', path: '/things', fn: 'test', tag: 't', summary: 's', auth: 'user', roles: ['clinician'], idempotent: true,
    body: z.strictObject({ name: z.string().min(1), size: z.number().int().positive() }), success: { status: 201 } },
  { operationId: 'getThing', method: 'GET', path: '/things/{id}', fn: 'test', tag: 't', summary: 's', auth: 'user', roles: ['clinician', 'patient'],
    params: z.strictObject({ id: z.string().regex(/^thg_\w+$/) }), query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }), success: { status: 200 } },
  { operationId: 'createSecret', method: 'POST', path: '/secrets', fn: 'test', tag: 't', summary: 's', auth: 'user', roles: ['clinician'], idempotent: 'by-operation',
    body: z.strictObject({ name: z.string() }), success: { status: 201 } },
  { operationId: 'open', method: 'GET', path: '/open', fn: 'test', tag: 't', summary: 's', auth: 'public', success: { status: 200 } },
];

/** Unit-test double of the idempotency port (the product uses the DynamoDB adapter). */
class MemoryIdempotency implements IdempotencyStore {
  readonly entries = new Map<string, { fingerprint: string; response?: StoredResponse }>();
  async begin(scope: string, key: string, fingerprint: string) {
    const entry = this.entries.get(`${scope}#${key}`);
    if (!entry) {
      this.entries.set(`${scope}#${key}`, { fingerprint });
      return undefined;
    }
    if (entry.fingerprint !== fingerprint) throw new (await import('../../../lambdas/shared/errors.js')).IdempotencyKeyReused('reused');
    if (!entry.response) throw new Conflict('in progress');
    return entry.response;
  }
  async complete(scope: string, key: string, response: StoredResponse) {
    this.entries.get(`${scope}#${key}`)!.response = response;
  }
  async release(scope: string, key: string) {
    this.entries.delete(`${scope}#${key}`);
  }
}

function event(method: string, resource: string, options: { path?: string; claims?: Record<string, string>; body?: string; params?: Record<string, string>; query?: Record<string, string>; headers?: Record<string, string> } = {}): APIGatewayProxyEvent {
  return {
    resource, path: options.path ?? resource, httpMethod: method, headers: options.headers ?? {}, multiValueHeaders: {},
    queryStringParameters: options.query ?? null, multiValueQueryStringParameters: null, pathParameters: options.params ?? null,
    stageVariables: null, body: options.body ?? null, isBase64Encoded: false,
    requestContext: { requestId: 'req-1', authorizer: options.claims ? { claims: options.claims } : null } as never,
  };
}
const context = { awsRequestId: 'aws-1', functionName: 'test' } as Context;
const clinician = { sub: 'u-1', 'cognito:groups': 'clinician' };

function handlerWith(operations: Operations, idempotency = new MemoryIdempotency()) {
  return { handler: createHttpHandler({ routes, fn: 'test', operations, idempotency, allowedOrigins: ['https://app.example.org'] }), idempotency };
}

describe('parseGroups / callerFromClaims', () => {
  it.each([
    ['clinician', ['clinician']],
    ['clinician,admin', ['clinician', 'admin']],
    ['[clinician admin]', ['clinician', 'admin']],
    ['["clinician","admin"]', ['clinician', 'admin']],
    [['therapist'], ['therapist']],
    [undefined, []],
  ])('reads %j', (claim, groups) => expect(parseGroups(claim)).toEqual(groups));

  it('needs a sub and a known role', () => {
    expect(callerFromClaims({ sub: 'u', 'cognito:groups': 'nurse' })).toBeNull();
    expect(callerFromClaims({ 'cognito:groups': 'admin' })).toBeNull();
    expect(callerFromClaims({ sub: 'u', 'cognito:groups': 'nurse,admin' })).toEqual({ userId: 'u', role: 'admin', groups: ['admin'] });
  });
});

describe('createHttpHandler', () => {
  const ok: Operations = {
    createThing: async (request) => ({ status: 201, body: { id: 'thg_1', ...(request.body as object) } }),
    getThing: async (request) => ({ status: 200, body: { id: request.params.id, limit: request.query.limit } }),
    createSecret: async (request) => ({ status: 201, body: { key: request.headers['idempotency-key'], secret: 'once' } }),
    open: async () => ({ status: 200, body: { open: true } }),
  };

  it('refuses a function whose routes lack operations', () => {
    expect(() => createHttpHandler({ routes, fn: 'test', operations: { open: ok.open! } })).toThrow(/no operation createThing/);
  });

  it('validates path and query, applying defaults', async () => {
    const { handler } = handlerWith(ok);
    const good = await handler(event('GET', '/things/{id}', { claims: clinician, params: { id: 'thg_1' } }), context);
    expect(JSON.parse(good.body)).toEqual({ id: 'thg_1', limit: 50 });
    const bad = await handler(event('GET', '/things/{id}', { claims: clinician, params: { id: 'nope' }, query: { limit: '500' } }), context);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).errors.map((e: { field: string }) => e.field)).toEqual(['path.id']);
  });

  it('rejects unknown fields, wrong types and broken JSON with field-level reasons, without calling the operation', async () => {
    let calls = 0;
    const { handler } = handlerWith({ ...ok, createThing: async () => ((calls += 1), { status: 201 }) });
    const unknown = await handler(event('POST', '/things', { claims: clinician, body: JSON.stringify({ name: 'a', size: 1, extra: true }) }), context);
    expect(unknown.statusCode).toBe(400);
    expect(JSON.parse(unknown.body).errors).toEqual([{ field: 'body', message: 'unknown field(s): extra' }]);
    const wrongType = await handler(event('POST', '/things', { claims: clinician, body: JSON.stringify({ name: '', size: 'big' }) }), context);
    expect(JSON.parse(wrongType.body).errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.name', 'body.size']);
    const broken = await handler(event('POST', '/things', { claims: clinician, body: '{"name":' }), context);
    expect(JSON.parse(broken.body)).toMatchObject({ status: 400, detail: 'body is not valid JSON' });
    const bodiless = await handler(event('GET', '/open', { body: '{}' }), context);
    expect(bodiless.statusCode).toBe(400);
    expect(calls).toBe(0);
  });

  it('checks the role: 401 without claims, 403 with a role not allowed', async () => {
    const { handler } = handlerWith(ok);
    expect((await handler(event('POST', '/things', { body: '{}' }), context)).statusCode).toBe(401);
    const forbidden = await handler(event('POST', '/things', { claims: { sub: 'u', 'cognito:groups': 'patient' }, body: '{}' }), context);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.headers?.['content-type']).toBe('application/problem+json');
  });

  it('maps domain errors to their status and hides faults behind "internal error"', async () => {
    const { handler } = handlerWith({
      ...ok,
      getThing: async () => {
        throw new NotFound('thing not found');
      },
      open: async () => {
        throw new Error('secret detail: patient Jane Doe');
      },
    });
    const notFound = await handler(event('GET', '/things/{id}', { claims: clinician, params: { id: 'thg_1' } }), context);
    expect(JSON.parse(notFound.body)).toMatchObject({ status: 404, title: 'Not found', detail: 'thing not found', requestId: 'req-1' });
    const fault = await handler(event('GET', '/open'), context);
    expect(fault.statusCode).toBe(500);
    expect(fault.body).not.toContain('Jane');
    expect(JSON.parse(fault.body)).toMatchObject({ status: 500, detail: 'internal error', requestId: 'req-1' });
  });

  it('replays the first response for a repeated Idempotency-Key and refuses it with another body', async () => {
    let created = 0;
    const { handler } = handlerWith({ ...ok, createThing: async () => ({ status: 201, body: { id: `thg_${(created += 1)}` } }) });
    const send = (body: object) => handler(event('POST', '/things', { claims: clinician, body: JSON.stringify(body), headers: { 'Idempotency-Key': 'k-1' } }), context);
    const first = await send({ name: 'a', size: 1 });
    const second = await send({ name: 'a', size: 1 });
    expect(JSON.parse(second.body)).toEqual(JSON.parse(first.body));
    expect(second.headers?.['idempotent-replayed']).toBe('true');
    expect(created).toBe(1);
    expect((await send({ name: 'b', size: 1 })).statusCode).toBe(422);
  });

  it('leaves Idempotency-Key to the operation when its response holds a secret, and never stores that response', async () => {
    const { handler, idempotency } = handlerWith(ok);
    const response = await handler(event('POST', '/secrets', { claims: clinician, body: JSON.stringify({ name: 'a' }), headers: { 'Idempotency-Key': 'k-9' } }), context);
    expect(JSON.parse(response.body)).toEqual({ key: 'k-9', secret: 'once' });
    expect(idempotency.entries.size).toBe(0);
  });

  it('frees the key after a fault so a retry runs', async () => {
    let attempts = 0;
    const { handler } = handlerWith({
      ...ok,
      createThing: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('flaky');
        return { status: 201, body: { id: 'thg_ok' } };
      },
    });
    const send = () => handler(event('POST', '/things', { claims: clinician, body: JSON.stringify({ name: 'a', size: 1 }), headers: { 'idempotency-key': 'k-2' } }), context);
    expect((await send()).statusCode).toBe(500);
    expect((await send()).statusCode).toBe(201);
  });

  it('reflects only allowed origins', async () => {
    const { handler } = handlerWith(ok);
    const allowed = await handler(event('GET', '/open', { headers: { Origin: 'https://app.example.org' } }), context);
    expect(allowed.headers?.['access-control-allow-origin']).toBe('https://app.example.org');
    const other = await handler(event('GET', '/open', { headers: { Origin: 'https://evil.example' } }), context);
    expect(other.headers?.['access-control-allow-origin']).toBeUndefined();
  });

  it('never copies a response (patient data) into the trace, with tracing on as in AWS', async () => {
    const spies = [
      vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true),
      vi.spyOn(tracer, 'getSegment').mockReturnValue(undefined),
      vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined),
      vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined),
    ];
    const addResponseAsMetadata = vi.spyOn(tracer, 'addResponseAsMetadata').mockImplementation(() => undefined);
    try {
      const { handler } = handlerWith({ ...ok, getThing: async () => ({ status: 200, body: { id: 'thg_1', name: 'Jane Doe', birthDate: '1958-04-12' } }) });
      const response = await handler(event('GET', '/things/{id}', { path: '/things/thg_1', claims: clinician, params: { id: 'thg_1' } }), context);
      expect(response.statusCode).toBe(200);
      expect(addResponseAsMetadata).not.toHaveBeenCalled();
    } finally {
      for (const spy of [...spies, addResponseAsMetadata]) spy.mockRestore();
    }
  });
});
