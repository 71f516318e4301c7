import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpHandler } from '../lambdas/api/http.js';
import type { RouteDefinition } from '../lambdas/api/route.js';
import type { LocalIssuer } from './token.js';

/**
 * The local API Gateway: matches the request against the route table, checks the token as the Cognito
 * authorizer would, builds the REST API proxy event (with the authorizer's claims) and calls the real handler.
 */
export interface FrontOptions {
  readonly routes: readonly RouteDefinition[];
  readonly handlers: ReadonlyMap<string, HttpHandler>;
  readonly issuer: LocalIssuer;
  readonly stage: string;
  readonly allowedOrigins: readonly string[];
  readonly port?: number;
  readonly host?: string;
  /** API Gateway's payload limit is 10 MB; ours is lower because no route takes more than a few KB. */
  readonly maxBodyBytes?: number;
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  /** Literal segments win over parameters, as in API Gateway. */
  readonly literalSegments: number;
}

export function compileRoutes(routes: readonly RouteDefinition[]): CompiledRoute[] {
  return routes
    .map((route) => {
      const paramNames: string[] = [];
      const segments = route.path.split('/').filter(Boolean);
      const pattern = segments
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          paramNames.push(param[1]!);
          return '([^/]+)';
        })
        .join('/');
      return {
        route,
        pattern: new RegExp(`^/${pattern}/?$`),
        paramNames,
        literalSegments: segments.length - paramNames.length,
      };
    })
    .sort((a, b) => b.literalSegments - a.literalSegments);
}

/** A malformed %-escape is the client's mistake: passed on as sent, the route's schema answers 400 on that field (not a 502). */
function decodeParameter(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function matchRoute(compiled: readonly CompiledRoute[], method: string, path: string) {
  let pathKnown = false;
  for (const candidate of compiled) {
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    pathKnown = true;
    if (candidate.route.method !== method) continue;
    const pathParameters: Record<string, string> = {};
    candidate.paramNames.forEach((name, index) => (pathParameters[name] = decodeParameter(match[index + 1]!)));
    return { route: candidate.route, pathParameters, pathKnown };
  }
  return { route: undefined, pathParameters: {}, pathKnown };
}

function problem(res: ServerResponse, status: number, title: string, detail: string, requestId: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...extra });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail, requestId }));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function lambdaContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Cognito's REST authorizer passes claims as strings; groups come joined by commas. */
function claimsForAuthorizer(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    claims[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return claims;
}

export async function startFront(options: FrontOptions): Promise<{ server: Server; url: string; port: number; close(): Promise<void> }> {
  const compiled = compileRoutes(options.routes);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      const origin = req.headers.origin;
      const corsAllowed = origin !== undefined && options.allowedOrigins.includes(origin);
      if (method === 'OPTIONS') {
        // The preflight API Gateway answers from the API's CORS settings without calling a Lambda.
        res.writeHead(corsAllowed ? 204 : 403, {
          ...(corsAllowed
            ? {
                'access-control-allow-origin': origin,
                'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
                'access-control-allow-headers': 'authorization,content-type,idempotency-key,if-match',
                'access-control-max-age': '600',
                vary: 'Origin',
              }
            : {}),
        });
        res.end();
        return;
      }
      const { route, pathParameters, pathKnown } = matchRoute(compiled, method, url.pathname);
      if (!route) {
        problem(res, pathKnown ? 405 : 404, pathKnown ? 'Method not allowed' : 'Not found', pathKnown ? 'method not allowed on this resource' : 'no such resource', requestId);
        return;
      }
      let claims: Record<string, string> | undefined;
      if (route.auth === 'user') {
        const header = req.headers.authorization ?? '';
        const token = header.replace(/^Bearer\s+/i, '').trim();
        const payload = token ? await options.issuer.verify(token) : null;
        if (!payload) {
          problem(res, 401, 'Unauthorized', 'a valid bearer token is required', requestId, { 'www-authenticate': 'Bearer' });
          return;
        }
        claims = claimsForAuthorizer(payload as Record<string, unknown>);
      }
      const body = await readBody(req, maxBodyBytes);
      if (body === 'too-large') {
        problem(res, 413, 'Payload too large', `request bodies are limited to ${maxBodyBytes} bytes`, requestId);
        return;
      }
      const headers: Record<string, string> = {};
      const multiValueHeaders: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        const values = Array.isArray(value) ? value : [value];
        headers[name] = values.join(',');
        multiValueHeaders[name] = values;
      }
      const query: Record<string, string> = {};
      const multiQuery: Record<string, string[]> = {};
      for (const [name, value] of url.searchParams) {
        query[name] = value;
        (multiQuery[name] ??= []).push(value);
      }
      const event: APIGatewayProxyEvent = {
        resource: route.path,
        path: url.pathname,
        httpMethod: method,
        headers,
        multiValueHeaders,
        queryStringParameters: Object.keys(query).length ? query : null,
        multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
        pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
        stageVariables: null,
        body: body.length ? body.toString('utf8') : null,
        isBase64Encoded: false,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          authorizer: claims ? { claims } : null,
          protocol: `HTTP/${req.httpVersion}`,
          httpMethod: method,
          identity: {
            accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
            cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
            cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            user: null, userAgent: req.headers['user-agent'] ?? null, userArn: null,
          },
          path: `/${options.stage}${url.pathname}`,
          stage: options.stage,
          requestId,
          requestTimeEpoch: Date.now(),
          resourceId: 'local',
          resourcePath: route.path,
        },
      };
      const handler = options.handlers.get(route.fn);
      if (!handler) throw new Error(`no handler for function ${route.fn}`);
      const result: APIGatewayProxyResult = await handler(event, lambdaContext(`telehealth-${route.fn}`, requestId));
      res.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) });
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    } catch (error) {
      // As API Gateway does when the integration fails: a 502 with no detail.
      process.stderr.write(`front: handler failed (${(error as Error).name})\n`);
      if (!res.headersSent) problem(res, 502, 'Bad gateway', 'internal error', requestId);
      else res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
