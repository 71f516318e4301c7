import { callerOf, type Operations } from '../api/operation.js';
import type { RuntimeConfig } from '../runtime/config.js';

export function createSystemOperations(config: RuntimeConfig, now: () => Date, openApiDocument: () => unknown): Operations {
  return {
    getHealth: async () => ({ status: 200, body: { status: 'ok', stage: config.stage, time: now().toISOString() } }),
    getOpenApi: async () => ({ status: 200, body: openApiDocument() }),
    getMe: async (request) => {
      const caller = callerOf(request);
      return { status: 200, body: { userId: caller.userId, role: caller.role, groups: caller.groups } };
    },
  };
}
