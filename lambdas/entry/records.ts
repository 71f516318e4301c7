// AWS composition root of the `records` function (facilities, practitioners, patients, care teams, audit trail).
import { createApiFunction } from '../api/functions.js';
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';

export const handler = createApiFunction('records', createDeps(configFromEnv()));
