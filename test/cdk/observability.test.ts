import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lambdas/api/routes.js';
import { readConfig } from '../../lib/config.js';
import { DASHBOARD_OPERATIONS } from '../../lib/constructs/observability.js';
import { synthApp } from '../helpers/cdk.js';

type Alarm = { Properties: { AlarmName?: string; AlarmActions?: unknown[]; OKActions?: unknown[] } };

describe('Observability (stateless stack)', () => {
  let template: Template;
  let topic: string;
  beforeAll(() => {
    template = synthApp().stateless;
    [topic] = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'Telehealth dev alarms' } }));
  });

  it('has an alarm topic encrypted with the data key that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Telehealth dev alarms',
      KmsMasterKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('DataKey') },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topic } });
  });

  it('notifies that one topic of every alarm of the stack, on ALARM and on OK, under names without request data', () => {
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')) as [string, Alarm][];
    for (const [id, { Properties: alarm }] of alarms) {
      expect(alarm.AlarmActions, id).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions, id).toEqual([{ Ref: topic }]);
      if (alarm.AlarmName) expect(alarm.AlarmName).toMatch(/^telehealth-dev-[a-z0-9-]+$/);
    }
  });

  it('alarms on the API stage 5XX rate and p99 latency', () => {
    const stage = [Match.objectLike({ Name: 'ApiName', Value: 'telehealth-dev' }), Match.objectLike({ Name: 'Stage' })];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Average',
      Threshold: 0.05,
      Dimensions: Match.arrayWith(stage),
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: 'Latency', ExtendedStatistic: 'p99', Dimensions: Match.arrayWith(stage) });
  });

  it('alarms on errors and throttles of every function in the stack', () => {
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    // The API functions, the telemetry processor and the consult-events function.
    expect(functions).toEqual(expect.arrayContaining([expect.stringMatching(/^TelemetryProcessor/), expect.stringMatching(/^VideoConsultEvents/)]));
    for (const fn of functions) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    }
  });

  it('alarms on throttled requests and system errors of both tables', () => {
    for (const table of ['telehealth-dev-records', 'telehealth-dev-audit']) {
      for (const metric of ['ThrottledRequests', 'SystemErrors']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Metrics: Match.arrayWith([
            Match.objectLike({
              MetricStat: Match.objectLike({
                Metric: { Namespace: 'AWS/DynamoDB', MetricName: metric, Dimensions: Match.arrayWith([{ Name: 'TableName', Value: table }]) },
              }),
            }),
          ]),
        });
      }
    }
  });

  it('alarms on dead letters of the consult events, as of the telemetry', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VideoMeetingEventsDeadLetters'), 'QueueName'] } }],
      Threshold: 0,
    });
  });

  it('has the telehealth-<stage> dashboard, graphing operations that exist', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'telehealth-dev' });
    template.hasOutput('DashboardName', { Value: { Ref: Match.stringLikeRegexp('^ObservabilityDashboard') } });
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const shown of ['5XXError', 'Latency', 'Duration', 'TelemetryIteratorAgeAlarm', 'TelemetryDeadLetterAlarm', 'ConsumedWriteCapacityUnits', 'Success']) expect(body).toContain(shown);
    const operations = new Set(routes.map((route) => route.operationId));
    for (const operation of Object.keys(DASHBOARD_OPERATIONS)) expect(operations, operation).toContain(operation);
  });

  it('subscribes the configured alarm e-mail address, and only then', () => {
    expect(template.findResources('AWS::SNS::Subscription')).toEqual({});
    const withEmail = synthApp({ alarmEmail: 'oncall@example-hospital.org' }).stateless;
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example-hospital.org', TopicArn: { Ref: topic } });
    const config = (alarmEmail: string) => readConfig({ tryGetContext: (key: string) => (key === 'alarmEmail' ? alarmEmail : undefined) });
    expect(() => config('oncall@example.org, boss@example.org')).toThrow(/alarmEmail/);
    expect(() => config('oncall')).toThrow(/alarmEmail/);
    expect(config('').alarmEmail).toBeUndefined();
  });
});
