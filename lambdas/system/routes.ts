import { z } from 'zod';
import { ROLES } from '../api/roles.js';
import { defineRoutes } from '../api/route.js';

export const systemRoutes = defineRoutes([
  {
    operationId: 'getHealth',
    method: 'GET',
    path: '/health',
    fn: 'system',
    tag: 'system',
    summary: 'Liveness of the API (no token needed).',
    auth: 'public',
    success: { status: 200, example: { status: 'ok', stage: 'dev', time: '2026-11-23T02:00:00Z' } },
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/openapi.json',
    fn: 'system',
    tag: 'system',
    summary: 'This OpenAPI 3.1 document, generated from the schemas that validate requests.',
    auth: 'public',
    success: { status: 200, example: { openapi: '3.1.0' } },
  },
  {
    operationId: 'getMe',
    method: 'GET',
    path: '/me',
    fn: 'system',
    tag: 'system',
    summary: "The caller's user id and role, from the token.",
    auth: 'user',
    roles: ROLES,
    success: { status: 200, example: { userId: '6f1c2a3e-0000-4000-8000-000000000001', role: 'clinician', groups: ['clinician'] } },
  },
]);

export const meResponse = z.object({ userId: z.string(), role: z.enum(ROLES), groups: z.array(z.enum(ROLES)) });
