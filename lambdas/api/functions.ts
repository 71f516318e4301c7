import type { Deps } from '../runtime/deps.js';
import { DynamoIdempotencyStore } from '../shared/idempotency.js';
import { consultsOperationsFrom } from '../consults/compose.js';
import { devicesOperationsFrom } from '../devices/compose.js';
import { recordsOperationsFrom } from '../records/compose.js';
import { rehabQueryOperationsFrom } from '../rehab-api/compose.js';
import { schedulingOperationsFrom } from '../scheduling/compose.js';
import { createSystemOperations } from '../system/operations.js';
import { createHttpHandler, type HttpHandler } from './http.js';
import { buildOpenApi } from './openapi.js';
import type { Operations } from './operation.js';
import { routes } from './routes.js';

/**
 * Operations of each API function, built from the runtime's deps. The AWS entry points
 * (lambdas/entry/*.ts) and the local front both come through here, so they serve the same code.
 */
export const operationFactories: Readonly<Record<string, (deps: Deps) => Operations>> = {
  system: (deps) => {
    let document: unknown;
    const openApi = () => (document ??= buildOpenApi(routes, { title: 'Telehealth API', version: '0.1.0' }));
    return createSystemOperations(deps.config, deps.now, openApi);
  },
  records: recordsOperationsFrom,
  scheduling: schedulingOperationsFrom,
  consults: consultsOperationsFrom,
  devices: devicesOperationsFrom,
  rehab: rehabQueryOperationsFrom,
};

export function createApiFunction(fn: string, deps: Deps): HttpHandler {
  const factory = operationFactories[fn];
  if (!factory) throw new Error(`no operations for function ${fn}`);
  return createHttpHandler({
    routes,
    fn,
    operations: factory(deps),
    idempotency: new DynamoIdempotencyStore(deps.dynamodb, deps.config.recordsTableName, deps.now),
    allowedOrigins: deps.config.allowedOrigins,
  });
}
