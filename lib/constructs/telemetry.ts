import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPolicy, CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import { Stream, type IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { physicalName, telemetryStream } from '../../lambdas/definitions/tables.js';
import { ENV } from '../../lambdas/runtime/config.js';
import { telemetryDeadLetterQueue, telemetryEventSource, telemetryProcessorFunction } from '../../lambdas/telemetry/event-source.js';
import { iotPolicyDocument, telemetryRule } from '../../lambdas/telemetry/topics.js';
import { devicePolicyName } from './devices.js';
import type { TableAccess } from './table-access.js';
import { TelehealthFunction } from './telehealth-function.js';

export interface TelemetryProps {
  readonly stage: string;
  /** The data key of the stateful stack: the stream is encrypted with it; the dead-letter queue is too. */
  readonly key: IKey;
  readonly tables: TableAccess;
  /** The functions' common environment (table names, stage). */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
}

/** How often the idle-session sweeper runs; sessions idle for TELEMETRY_SESSION_IDLE_MINUTES (default 30) are closed. */
export const SWEEP_INTERVAL_MINUTES = 5;

/** Iterator age that means the processor has fallen behind the live view: 5 minutes in 3 of 5 minutes. */
const ITERATOR_AGE_ALARM_MS = 5 * 60_000;

/**
 * Wearable telemetry in AWS: the device IoT policy, the topic rule into the telemetry stream (partition key = device
 * id, errors to the dead-letter queue), the stream processor with its event source mapping, the dead-letter queue,
 * and alarms on processing lag and dead letters (their actions are the stage's alarm topic, added by `Observability`).
 * The stream itself lives in the stateful stack.
 */
export class Telemetry extends Construct {
  public readonly stream: IStream;
  public readonly deadLetterQueue: Queue;
  public readonly processor: TelehealthFunction;
  /** Marks active rehab sessions whose gateway went silent as interrupted (lambdas/telemetry/session-sweeper.ts). */
  public readonly sweeper: TelehealthFunction;
  public readonly sweepSchedule: Rule;
  public readonly topicRule: CfnTopicRule;
  public readonly devicePolicy: CfnPolicy;
  public readonly iteratorAgeAlarm: Alarm;
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: TelemetryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const streamName = physicalName(props.stage, telemetryStream.logicalName);
    // Imported by its fixed name, like the tables: no CloudFormation export chains the two stacks.
    this.stream = Stream.fromStreamAttributes(this, 'Stream', {
      streamArn: stack.formatArn({ service: 'kinesis', resource: 'stream', resourceName: streamName }),
      encryptionKey: props.key,
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      queueName: physicalName(props.stage, telemetryDeadLetterQueue.logicalName),
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(telemetryDeadLetterQueue.retentionDays),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue itself: of the IoT rule (error action), the stream processor (rejected records) and its event source mapping (on-failure destination).',
    });

    // Devices: connect as their own thing, publish only their own telemetry, receive only their own commands.
    this.devicePolicy = new CfnPolicy(this, 'DevicePolicy', {
      policyName: devicePolicyName(props.stage),
      policyDocument: iotPolicyDocument({ region: stack.region, account: stack.account, partition: stack.partition }),
    });

    const ruleRole = new Role(this, 'RuleRole', {
      assumedBy: new ServicePrincipal('iot.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Telehealth ${props.stage}: IoT rule ${telemetryRule.ruleName} writes to the telemetry stream and its dead-letter queue`,
    });
    this.stream.grantWrite(ruleRole);
    this.deadLetterQueue.grantSendMessages(ruleRole);
    Validations.of(ruleRole).acknowledge(
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'Added by grantWrite/grantSendMessages for the one customer-managed data key; scoped to that key.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'Added by grantWrite/grantSendMessages for the one customer-managed data key; scoped to that key.' },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: 'The grant* policy is attached to this one rule role only; a managed policy would add no isolation.' },
    );

    // The rule name is fixed (not per stage): devices use it in their Basic Ingest topic. One stage per account and region.
    this.topicRule = new CfnTopicRule(this, 'Rule', {
      ruleName: telemetryRule.ruleName,
      topicRulePayload: {
        description: 'Wearable IMU telemetry (binary, passed through unchanged) into the telemetry stream, in order per device',
        sql: telemetryRule.sql,
        awsIotSqlVersion: telemetryRule.awsIotSqlVersion,
        ruleDisabled: false,
        actions: [{ kinesis: { streamName, partitionKey: telemetryRule.partitionKeyTemplate, roleArn: ruleRole.roleArn } }],
        errorAction: { sqs: { queueUrl: this.deadLetterQueue.queueUrl, roleArn: ruleRole.roleArn, useBase64: false } },
      },
    });

    this.processor = new TelehealthFunction(this, 'Processor', {
      entry: telemetryProcessorFunction.entry,
      description: 'Telehealth telemetry stream processor: rehab metrics from wearable IMU records',
      environment: { ...props.environment, [ENV.telemetryDeadLetterQueueUrl]: this.deadLetterQueue.queueUrl },
      logRetention: props.logRetention,
      logKey: props.key,
      memorySize: telemetryProcessorFunction.memorySize,
      timeout: Duration.seconds(telemetryProcessorFunction.timeoutSeconds),
    });
    const fn = this.processor.function;
    props.tables.records.grantReadWriteData(fn);
    props.tables.acknowledgeIndexWildcards(this.processor.role);
    this.deadLetterQueue.grantSendMessages(fn);
    const source = telemetryEventSource;
    fn.addEventSource(
      new KinesisEventSource(this.stream, {
        startingPosition: StartingPosition[source.startingPosition],
        batchSize: source.batchSize,
        maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
        parallelizationFactor: source.parallelizationFactor,
        retryAttempts: source.retryAttempts,
        maxRecordAge: Duration.seconds(source.maxRecordAgeSeconds),
        bisectBatchOnError: source.bisectBatchOnError,
        reportBatchItemFailures: source.reportBatchItemFailures,
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    );
    Validations.of(fn).acknowledge(
      {
        id: 'HIPAA.Security-LambdaDLQ',
        reason: 'Invoked synchronously by its Kinesis event source mapping, whose on-failure destination is the dead-letter queue; a function DLQ applies to asynchronous invocations only.',
      },
      {
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: 'Concurrency is bounded by the stream: one invocation per shard (parallelization factor 1).',
      },
    );

    // The idle-session sweeper: every 5 minutes, one Query of the active-session index and a few conditional writes.
    this.sweeper = new TelehealthFunction(this, 'Sweeper', {
      entry: 'telemetry-sweeper',
      description: 'Telehealth telemetry sweeper: rehab sessions whose gateway went silent become interrupted',
      environment: props.environment,
      logRetention: props.logRetention,
      logKey: props.key,
      timeout: Duration.seconds(60),
    });
    props.tables.records.grantReadWriteData(this.sweeper.function);
    props.tables.acknowledgeIndexWildcards(this.sweeper.role);
    this.sweepSchedule = new Rule(this, 'SweepSchedule', {
      description: 'Telehealth: sweep idle rehab sessions',
      schedule: Schedule.rate(Duration.minutes(SWEEP_INTERVAL_MINUTES)),
      // A failed sweep is not retried: the next one, minutes later, does the same work (each write is conditional).
      targets: [new LambdaFunction(this.sweeper.function, { retryAttempts: 0 })],
    });
    Validations.of(this.sweeper.function).acknowledge(
      {
        id: 'HIPAA.Security-LambdaDLQ',
        reason: 'Invoked by a 5-minute schedule with no payload: a failed run loses nothing, the next run sweeps the same sessions (failures alarm through Observability).',
      },
      {
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: 'Concurrency is bounded by its schedule: one invocation every 5 minutes, each well under its timeout.',
      },
    );

    this.iteratorAgeAlarm = new Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: 'Telemetry processing is more than 5 minutes behind the stream (throttling, errors, or too few shards).',
      metric: this.stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: ITERATOR_AGE_ALARM_MS,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Telemetry records are in the dead-letter queue (malformed, unknown device, rule error or processing failure).',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
