import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TableAccess } from '../../lib/constructs/table-access.js';
import { TelehealthFunction } from '../../lib/constructs/telehealth-function.js';
import { CONSULT_CHIME_ACTIONS, Video } from '../../lib/constructs/video.js';
import { synthApp } from '../helpers/cdk.js';

/** The logical id of the one resource of a type whose id matches, for Ref / GetAtt assertions. */
function logicalId(template: Template, type: string, pattern: RegExp): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  expect(ids, `${type} ${pattern}`).toHaveLength(1);
  return ids[0]!;
}

/** A stack with only the consults function and Video, for context variations. */
function videoStack(context: Record<string, unknown>): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new Stack(app, 'VideoOnly', { env: { region: 'us-east-1' } });
  const logKey = new Key(stack, 'Key');
  const environment = { RECORDS_TABLE_NAME: 'telehealth-t-records', AUDIT_TABLE_NAME: 'telehealth-t-audit' };
  const apiFunction = new TelehealthFunction(stack, 'Fn-consults', { entry: 'consults', description: 'Telehealth API: consults', environment, logRetention: RetentionDays.ONE_WEEK, logKey });
  const tables = new TableAccess(stack, 'Tables', { stage: 't', key: logKey });
  new Video(stack, 'Video', { stage: 't', apiFunction, environment, tables, logRetention: RetentionDays.ONE_WEEK, logKey });
  return stack;
}

describe('Video (stateless stack)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthApp().stateless;
  });

  it('grants the consults function exactly the Chime meeting and attendee actions it calls, on meetings only', () => {
    const consultsRole = logicalId(template, 'AWS::IAM::Role', /^FnconsultsRole/);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: Match.arrayWith([{ Ref: consultsRole }]),
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: [...CONSULT_CHIME_ACTIONS],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':chime:us-east-1:', Match.anyValue(), ':meeting/*']] },
          },
        ]),
      },
    });
    // No other role may call Chime, and no statement grants chime:* or Resource "*".
    const chimeStatements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: any) =>
      policy.Properties.PolicyDocument.Statement.filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('chime:'))).map((statement: any) => ({
        roles: policy.Properties.Roles,
        statement,
      })),
    );
    expect(chimeStatements).toHaveLength(1);
    expect(chimeStatements[0]!.roles).toEqual([{ Ref: consultsRole }]);
    expect(chimeStatements[0]!.statement.Action).not.toContain('chime:*');
  });

  it('sets the consult settings on the consults function, and refuses a cap at or above Chime\'s 250', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Telehealth API: consults',
      Environment: { Variables: Match.objectLike({ CONSULT_MAX_PARTICIPANTS: '10', CONSULT_INVITE_TTL_SECONDS: '86400', CONSULT_NOTES_PATIENT_VISIBILITY: 'after-signing' }) },
    });
    // The construct alone, its environment resolved without a synth (a whole-app synth per context costs seconds).
    const custom = videoStack({ consultMaxParticipants: 6, consultInviteTtlHours: 2, consultNotesPatientVisibility: 'always' });
    const fn = custom.node.findChild('Fn-consults').node.findChild('Function').node.defaultChild as CfnFunction;
    expect(custom.resolve(fn.environment)).toMatchObject({
      variables: { CONSULT_MAX_PARTICIPANTS: '6', CONSULT_INVITE_TTL_SECONDS: '7200', CONSULT_NOTES_PATIENT_VISIBILITY: 'always' },
    });
    expect(() => videoStack({ consultMaxParticipants: 250 })).toThrow(/CONSULT_MAX_PARTICIPANTS/);
    expect(() => videoStack({ consultNotesPatientVisibility: 'sometimes' })).toThrow(/CONSULT_NOTES_PATIENT_VISIBILITY/);
  });

  it("routes Chime's meeting state changes of consults to the consult-events function, with retries and a dead-letter queue", () => {
    const eventsFunction = logicalId(template, 'AWS::Lambda::Function', /^VideoConsultEventsFunction/);
    const queue = logicalId(template, 'AWS::SQS::Queue', /^VideoMeetingEventsDeadLetters/);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.chime'],
        'detail-type': ['Chime Meeting State Change'],
        detail: {
          eventType: Match.arrayWith(['chime:AttendeeJoined', 'chime:AttendeeLeft', 'chime:AttendeeDropped', 'chime:MeetingEnded']),
          externalMeetingId: [{ prefix: 'appt_' }],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [eventsFunction, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: eventsFunction },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Telehealth: Chime meeting events into consult timelines',
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ RECORDS_TABLE_NAME: 'telehealth-dev-records' }) },
    });
  });

  it('encrypts the dead-letter queue with a rotated key EventBridge may use, and refuses plain HTTP', () => {
    const key = logicalId(template, 'AWS::KMS::Key', /^VideoDeadLetterKey/);
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] }, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'] }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('gives the consult-events function the records table but no audit table and no Chime', () => {
    const role = logicalId(template, 'AWS::IAM::Role', /^VideoConsultEventsRole/);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy: any) =>
      policy.Properties.Roles.some((ref: any) => ref.Ref === role),
    );
    const text = JSON.stringify(policies);
    expect(text).toContain('telehealth-dev-records');
    expect(text).not.toContain('telehealth-dev-audit');
    expect(text).not.toContain('chime:');
  });
});
