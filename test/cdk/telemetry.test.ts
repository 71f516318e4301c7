import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { telemetryEventSource } from '../../lambdas/telemetry/event-source.js';
import { telemetryRule } from '../../lambdas/telemetry/topics.js';
import { synthApp } from '../helpers/cdk.js';

const ref = (logicalIdPattern: string) => ({ Ref: Match.stringLikeRegexp(logicalIdPattern) });
const arnOf = (logicalIdPattern: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(logicalIdPattern), 'Arn'] });

describe('Telemetry (stateless stack)', () => {
  let template: Template;
  let stateful: Template;
  beforeAll(() => {
    ({ stateless: template, stateful } = synthApp());
  });

  it('routes the telemetry topic into the stream with the device id as partition key, errors to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::IoT::TopicRule', {
      RuleName: telemetryRule.ruleName,
      TopicRulePayload: {
        Sql: "SELECT * FROM 'dt/rehab/+/imu'",
        AwsIotSqlVersion: '2016-03-23',
        RuleDisabled: false,
        Actions: [{ Kinesis: { StreamName: 'telehealth-dev-telemetry', PartitionKey: '${topic(3)}', RoleArn: arnOf('TelemetryRuleRole') } }],
        ErrorAction: { Sqs: { QueueUrl: ref('TelemetryDeadLetters'), RoleArn: arnOf('TelemetryRuleRole'), UseBase64: false } },
      },
    });
  });

  it('gives the rule a role only IoT (of this account) can assume, allowed to put records and dead letters only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { Service: 'iot.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
        ],
      },
    });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [ref('TelemetryRuleRole')] } });
    const actions = Object.values(policies).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((statement) => [statement.Action].flat()),
    );
    expect(new Set(actions.filter((action) => !action.startsWith('kms:')))).toEqual(
      new Set(['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords', 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']),
    );
  });

  it('has exactly one device policy, built from iotPolicyDocument', () => {
    const policies = template.findResources('AWS::IoT::Policy');
    expect(Object.keys(policies)).toHaveLength(1);
    template.hasResourceProperties('AWS::IoT::Policy', {
      PolicyName: 'telehealth-dev-device',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          Match.objectLike({ Action: 'iot:Connect', Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } }),
          Match.objectLike({ Action: 'iot:Publish' }),
          Match.objectLike({ Action: 'iot:Subscribe' }),
          Match.objectLike({ Action: 'iot:Receive' }),
        ],
      },
    });
  });

  it('keeps dead letters in an SQS queue encrypted with the data key, TLS only, for 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'telehealth-dev-telemetrydeadletters',
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref('TelemetryDeadLetters')],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('maps the stream to the processor with the shared event source settings and the dead-letter queue on failure', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':stream/telehealth-dev-telemetry$')])] },
      FunctionName: ref('TelemetryProcessorFunction'),
      StartingPosition: telemetryEventSource.startingPosition,
      BatchSize: telemetryEventSource.batchSize,
      MaximumBatchingWindowInSeconds: telemetryEventSource.maxBatchingWindowSeconds,
      ParallelizationFactor: telemetryEventSource.parallelizationFactor,
      MaximumRetryAttempts: telemetryEventSource.retryAttempts,
      MaximumRecordAgeInSeconds: telemetryEventSource.maxRecordAgeSeconds,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: arnOf('TelemetryDeadLetters') } },
    });
  });

  it('runs the processor with its sizing, the dead-letter queue URL, and read/write on the records table', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('telemetry stream processor'),
      MemorySize: 1024,
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ RECORDS_TABLE_NAME: 'telehealth-dev-records', TELEMETRY_DLQ_URL: ref('TelemetryDeadLetters') }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref('TelemetryProcessorRole')],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem']) }),
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Resource: arnOf('TelemetryDeadLetters') }),
          Match.objectLike({ Action: Match.arrayWith(['kinesis:GetRecords', 'kinesis:GetShardIterator']) }),
        ]),
      },
    });
  });

  it('alarms on processing lag (iterator age) and on dead letters, to an encrypted topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Kinesis',
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Dimensions: [{ Name: 'StreamName', Value: 'telehealth-dev-telemetry' }],
      Statistic: 'Maximum',
      Threshold: 300_000,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [ref('ObservabilityAlarmTopic')],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('TelemetryDeadLetters'), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [ref('ObservabilityAlarmTopic')],
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    // CloudWatch may use the data key to publish to that topic.
    stateful.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
  });
  it('runs the idle-session sweeper every 5 minutes, with read/write on the records table and its own alarms', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf('TelemetrySweeperFunction'), RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf('TelemetrySweeperFunction'),
      Principal: 'events.amazonaws.com',
      SourceArn: arnOf('TelemetrySweepSchedule'),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref('TelemetrySweeperRole')],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) })]) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'telehealth-dev-fn-telemetry-sweeper-errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref('TelemetrySweeperFunction') }],
      AlarmActions: [ref('ObservabilityAlarmTopic')],
    });
  });
});
