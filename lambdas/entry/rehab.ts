// AWS composition root of the `rehab` function (rehab session queries over what the stream processor stored).
import { createApiFunction } from '../api/functions.js';
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';

export const handler = createApiFunction('rehab', createDeps(configFromEnv()));
