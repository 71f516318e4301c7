// AWS composition root of the `system` function: adapters built once per container.
import { createApiFunction } from '../api/functions.js';
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';

export const handler = createApiFunction('system', createDeps(configFromEnv()));
