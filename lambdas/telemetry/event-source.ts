/**
 * How the stream processor consumes the telemetry stream, shared by the CDK `Telemetry` construct (the Lambda
 * event source mapping) and the local poller (local/kinesis-poller.ts), so both run with the same values.
 */
export interface StreamEventSourceDefinition {
  /** Where a new mapping starts: the whole retention, so nothing published before the first deploy is skipped. */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Concurrent batches per shard; 1 keeps one invocation per shard, so per-device order holds. */
  readonly parallelizationFactor: number;
  /** Retries of a failing batch (or of what remains after a partial failure) before it goes to the on-failure destination. */
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** Lambda's synchronous invocation payload limit: a batch is cut before its event would exceed it. */
  readonly maxPayloadBytes: number;
}

export const telemetryEventSource: StreamEventSourceDefinition = {
  startingPosition: 'TRIM_HORIZON',
  // A device sends one message a second (about 3.3 KB in the event once base64-encoded): 500 records are
  // 500 device-seconds and about 1.7 MB, well inside the 6 MB payload, and keep the invocation count low.
  batchSize: 500,
  // Therapists watch sessions live: a second of batching halves invocations at low traffic and adds at most a second.
  maxBatchingWindowSeconds: 1,
  parallelizationFactor: 1,
  // Transient faults (throttling) clear within a few retries; a record still failing after that is not going to
  // succeed and would hold its shard, so it goes to the on-failure destination.
  retryAttempts: 8,
  // Well inside the 48 h retention: a record an hour old is stale for the live view and already alarmed on.
  maxRecordAgeSeconds: 3600,
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  maxPayloadBytes: 6 * 1024 * 1024,
};

/** The dead-letter queue of the IoT rule (error action), the processor (rejected records) and the mapping (on-failure). */
export const telemetryDeadLetterQueue = {
  logicalName: 'TelemetryDeadLetters',
  /** SQS's maximum: time to look into a rejected record. */
  retentionDays: 14,
} as const;

/** Sizing of the stream processor function. */
export const telemetryProcessorFunction = {
  entry: 'telemetry-processor',
  // The analyzer is CPU-bound; memory buys CPU on Lambda.
  memorySize: 1024,
  timeoutSeconds: 60,
} as const;
