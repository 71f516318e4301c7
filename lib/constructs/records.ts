import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupResource } from 'aws-cdk-lib/aws-backup';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { auditTable, physicalName, recordsTable, telemetryStream, type KeyDefinition, type TableDefinition } from '../../lambdas/definitions/tables.js';

export interface RecordsProps {
  readonly stage: string;
  /** RETAIN unless the stage is throwaway: these hold patient records. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The stateful core: the customer-managed key, the records and audit tables, the telemetry stream, and
 * daily backups. Everything here is encrypted with the one key and retained by default.
 */
export class Records extends Construct {
  public readonly key: Key;
  public readonly recordsTable: TableV2;
  public readonly auditTable: TableV2;
  public readonly telemetryStream: Stream;

  constructor(scope: Construct, id: string, props: RecordsProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    this.key = new Key(this, 'DataKey', {
      description: `Telehealth ${props.stage}: patient records, audit trail, telemetry, logs`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // CloudWatch Logs encrypts the log groups of the stateless stack with this key.
    this.key.grantEncryptDecrypt(new ServicePrincipal(`logs.${region}.amazonaws.com`));

    this.recordsTable = this.table(recordsTable, props);
    this.auditTable = this.table(auditTable, props);

    this.telemetryStream = new Stream(this, telemetryStream.logicalName, {
      streamName: physicalName(props.stage, telemetryStream.logicalName),
      streamMode: StreamMode.PROVISIONED,
      shardCount: telemetryStream.shardCount,
      retentionPeriod: Duration.hours(telemetryStream.retentionHours),
      encryption: StreamEncryption.KMS,
      encryptionKey: this.key,
      removalPolicy: props.removalPolicy,
    });

    // Daily backups beside point-in-time recovery: a second copy that survives a mistaken table restore.
    const plan = BackupPlan.daily35DayRetention(this, 'Backups');
    const selection = plan.addSelection('Tables', { resources: [BackupResource.fromDynamoDbTable(this.recordsTable), BackupResource.fromDynamoDbTable(this.auditTable)] });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason: 'AWS Backup requires its service-role policy to snapshot the tables; the role is assumable by AWS Backup only.',
    });
    Validations.of(this.telemetryStream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason: 'The stream uses the customer-managed data key on purpose: one key, rotated, under the hospital\'s control, for all patient data.',
    });
  }

  private table(definition: TableDefinition, props: RecordsProps): TableV2 {
    const attribute = (key: KeyDefinition): Attribute => ({ name: key.name, type: key.type as AttributeType });
    return new TableV2(this, definition.logicalName, {
      tableName: physicalName(props.stage, definition.logicalName),
      partitionKey: attribute(definition.partitionKey),
      sortKey: definition.sortKey ? attribute(definition.sortKey) : undefined,
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
      })),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: definition.timeToLiveAttribute,
      removalPolicy: props.removalPolicy,
    });
  }
}
