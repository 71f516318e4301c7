/**
 * Table definitions shared by the CDK `Records` construct and the local stack, so both create the
 * very same keys and indexes. Access patterns live in docs/data-model.md.
 */
export type AttributeType = 'S' | 'N' | 'B';

export interface KeyDefinition {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
}

export interface TableDefinition {
  /** Logical name: the CDK construct id and the suffix of the physical name. */
  readonly logicalName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry; DynamoDB TTL in AWS, absent locally (dynalite has no TTL). */
  readonly timeToLiveAttribute?: string;
}

const S = (name: string): KeyDefinition => ({ name, type: 'S' });

/** Single-table design for patients, practitioners, appointments, consults, devices, rehab sessions. */
export const recordsTable: TableDefinition = {
  logicalName: 'Records',
  partitionKey: S('pk'),
  sortKey: S('sk'),
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') },
    { indexName: 'gsi2', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk') },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * Append-only audit trail, apart from the records so IAM can grant the API PutItem and Query on it
 * and nothing that updates or deletes.
 */
export const auditTable: TableDefinition = {
  logicalName: 'Audit',
  partitionKey: S('pk'),
  sortKey: S('sk'),
  globalSecondaryIndexes: [{ indexName: 'byActor', partitionKey: S('actorId'), sortKey: S('sk') }],
};

export const tables = [recordsTable, auditTable] as const;

export interface StreamDefinition {
  readonly logicalName: string;
  readonly shardCount: number;
  readonly retentionHours: number;
}

/** Wearable telemetry: IoT rule → this stream → stream processor. */
export const telemetryStream: StreamDefinition = {
  logicalName: 'Telemetry',
  shardCount: 2,
  retentionHours: 48,
};

/** Physical names are prefixed by stage so several stages can share an account. */
export function physicalName(stage: string, logicalName: string): string {
  return `telehealth-${stage}-${logicalName.toLowerCase()}`;
}
