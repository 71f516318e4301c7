import { z } from 'zod';
import type { RouteDefinition } from './route.js';

type JsonSchema = Record<string, unknown>;

const problemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    requestId: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};

function toSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parameters(schema: z.ZodObject | undefined, location: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const json = toSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

const errorStatuses: Record<string, string> = {
  '400': 'Invalid input, with a reason per field',
  '401': 'No valid token',
  '403': 'Role not allowed',
  '404': 'Not found, or not yours',
  '409': 'Conflict',
  '422': 'Idempotency-Key reused with another body',
  '429': 'Rate limited',
};

/** OpenAPI 3.1 document generated from the route table and the same zod schemas that validate requests. */
export function buildOpenApi(routes: readonly RouteDefinition[], info: { title: string; version: string; serverUrl?: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: route.auth === 'public' ? [] : [{ bearer: [] }],
      ...(route.roles ? { 'x-roles': route.roles } : {}),
      parameters: [
        ...parameters(route.params, 'path'),
        ...parameters(route.query, 'query'),
        ...(route.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 } }] : []),
      ],
      responses: {
        [String(route.success.status)]: {
          description: route.success.description ?? 'Success',
          ...(route.success.example !== undefined ? { content: { 'application/json': { example: route.success.example } } } : {}),
        },
        ...Object.fromEntries(
          Object.entries(errorStatuses)
            .filter(([status]) => route.auth === 'user' || !['401', '403'].includes(status))
            .map(([status, description]) => [status, { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } }]),
        ),
      },
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(route.body), ...(route.example !== undefined ? { example: route.example } : {}) } },
      };
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
