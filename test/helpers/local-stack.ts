import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack.js';
import type { Role } from '../../lambdas/api/roles.js';

/** A local stack on free ports in a fresh temp folder, for one test file. */
export async function startTestStack(options: Partial<LocalStackOptions> = {}): Promise<LocalStack & { dataDir: string; dispose(): Promise<void> }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'telehealth-test-')));
  const stack = await startLocalStack({ ...options, dataDir });
  return {
    ...stack,
    dataDir,
    async dispose() {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiClient {
  call(method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  token(sub: string, role: Role): Promise<string>;
}

export function apiClient(stack: LocalStack): ApiClient {
  return {
    async call(method, path, options = {}) {
      const response = await fetch(stack.endpoints.http + path, {
        method,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body !== undefined || options.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.headers ?? {}),
        },
        body: options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    token: (sub, role) => stack.issuer.issue({ sub, role }),
  };
}
