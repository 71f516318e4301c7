/** Telemetry adapters built from the runtime's deps: the AWS entry point and the local stack both come through here. */
import type { Deps } from '../runtime/deps.js';
import { SqsDeadLetterQueue } from './dead-letters.js';
import { DynamoDeviceDirectory } from './devices.js';
import { DynamoTelemetryStore } from './dynamo-store.js';
import { createTelemetryProcessorHandler, type TelemetryProcessorHandler, type TelemetryProcessorPorts } from './processor-handler.js';
import { DynamoRehabSessions } from './rehab-sessions.js';
import { SessionSweeper } from './session-sweeper.js';

export function telemetryPortsFrom(deps: Deps): TelemetryProcessorPorts {
  const table = deps.config.recordsTableName;
  return {
    store: new DynamoTelemetryStore(deps.dynamodb, table),
    devices: new DynamoDeviceDirectory(deps.dynamodb, table, { now: () => deps.now().getTime() }),
    deadLetters: new SqsDeadLetterQueue(deps.sqs, deps.config.telemetryDeadLetterQueueUrl),
  };
}

export function telemetryProcessorFrom(deps: Deps): TelemetryProcessorHandler {
  return createTelemetryProcessorHandler(telemetryPortsFrom(deps));
}

/** The query API's read side: `listSessionsByPatient`, `getSession`, `recomputeSession`. */
export function rehabSessionsFrom(deps: Deps): DynamoRehabSessions {
  return new DynamoRehabSessions(deps.dynamodb, deps.config.recordsTableName);
}

/** The idle-session sweeper, with its own store (the AWS schedule and the local timer both come through here). */
export function sessionSweeperFrom(deps: Deps): SessionSweeper {
  const table = deps.config.recordsTableName;
  return new SessionSweeper(deps.dynamodb, table, new DynamoTelemetryStore(deps.dynamodb, table));
}
