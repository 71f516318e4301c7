// AWS composition root of the `devices` function (gateway registry: IoT things, certificates, the registry item).
import { createApiFunction } from '../api/functions.js';
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';

export const handler = createApiFunction('devices', createDeps(configFromEnv()));
