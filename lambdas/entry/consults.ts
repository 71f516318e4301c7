// AWS composition root of the `consults` function (video consults, lobby, invites, notes).
import { createApiFunction } from '../api/functions.js';
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';

export const handler = createApiFunction('consults', createDeps(configFromEnv()));
