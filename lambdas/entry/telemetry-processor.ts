// AWS composition root of the telemetry stream processor (Kinesis event source): adapters built once per container.
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';
import { telemetryProcessorFrom } from '../telemetry/compose.js';

export const handler = telemetryProcessorFrom(createDeps(configFromEnv()));
