// AWS composition root of the `scheduling` function (availability, slot search, appointments).
import { createApiFunction } from '../api/functions.js';
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';

export const handler = createApiFunction('scheduling', createDeps(configFromEnv()));
