// AWS composition root of the `consult-events` function: Chime meeting events from EventBridge into consult timelines.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { consultEventsHandlerFrom } from '../consults/compose.js';
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';
import { logger } from '../shared/observability.js';

const record = consultEventsHandlerFrom(createDeps(configFromEnv()));

// A thrown error makes Lambda retry the asynchronous invocation, then hand the event to the dead-letter queue.
export const handler = middy(async (event: unknown) => record(event)).use(injectLambdaContext(logger, { resetKeys: true }));
