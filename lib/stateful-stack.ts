import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { AppConfig } from './config.js';
import { Records } from './constructs/records.js';

export interface StatefulStackProps extends StackProps {
  readonly config: AppConfig;
}

/** Everything that holds data: deployed rarely, retained on delete, kept apart from the code that changes daily. */
export class StatefulStack extends Stack {
  public readonly records: Records;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    this.records = new Records(this, 'Records', { stage: props.config.stage, removalPolicy: props.config.removalPolicy });
    // CloudWatch alarms publish to the stage's alarm topic (Observability), which is encrypted with this key (key policy, so here).
    this.records.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    new CfnOutput(this, 'RecordsTableName', { value: this.records.recordsTable.tableName });
    new CfnOutput(this, 'TelemetryStreamName', { value: this.records.telemetryStream.streamName });
  }
}
