import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HANDLED_CHIME_EVENT_TYPES } from '../../lambdas/consults/domain/meeting-events.js';
import { CONSULT_ENV, consultSettingsFrom } from '../../lambdas/consults/settings.js';
import type { TableAccess } from './table-access.js';
import { TelehealthFunction } from './telehealth-function.js';

export interface VideoProps {
  readonly stage: string;
  /** The `consults` API function (built from the route table by the stateless stack). */
  readonly apiFunction: TelehealthFunction;
  /** The runtime environment every function gets (table names, media region...). */
  readonly environment: Readonly<Record<string, string>>;
  readonly tables: TableAccess;
  readonly logRetention: RetentionDays;
  readonly logKey: IKey;
}

/** Chime SDK Meetings control-plane actions the consults API uses, and nothing else. */
export const CONSULT_CHIME_ACTIONS = [
  'chime:CreateMeeting',
  'chime:GetMeeting',
  'chime:DeleteMeeting',
  'chime:CreateAttendee',
  'chime:DeleteAttendee',
  'chime:UpdateAttendeeCapabilities',
] as const;

/**
 * Video consults on the Chime SDK: least-privilege Chime permissions for the consults API function, its settings
 * (from CDK context), and the meeting-events pipeline: an EventBridge rule for Chime's meeting state changes → the
 * consult-events function, with retries and an encrypted dead-letter queue for what still fails.
 *
 * Context keys: consultMaxParticipants (2-249, default 10), consultInviteTtlHours (1-168, default 24),
 * consultNotesPatientVisibility (never | after-signing | always, default after-signing).
 */
export class Video extends Construct {
  public readonly eventsFunction: TelehealthFunction;
  public readonly rule: Rule;
  public readonly deadLetterQueue: Queue;
  /** Meeting events that failed every retry (actions: the stage's alarm topic, added by `Observability`). */
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: VideoProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Settings: validated here with the runtime's own parser, so a wrong value fails the synth, not a consult.
    const context = (key: string) => {
      const value = this.node.tryGetContext(key) as unknown;
      return value === undefined ? undefined : String(value);
    };
    const ttlHours = context('consultInviteTtlHours');
    const settingsEnv = {
      [CONSULT_ENV.maxParticipants]: context('consultMaxParticipants'),
      [CONSULT_ENV.inviteTtlSeconds]: ttlHours === undefined ? undefined : String(Number(ttlHours) * 3600),
      [CONSULT_ENV.notesPatientVisibility]: context('consultNotesPatientVisibility'),
    };
    const settings = consultSettingsFrom(settingsEnv);
    props.apiFunction.function.addEnvironment(CONSULT_ENV.maxParticipants, String(settings.maxParticipants));
    props.apiFunction.function.addEnvironment(CONSULT_ENV.inviteTtlSeconds, String(settings.inviteTtlSeconds));
    props.apiFunction.function.addEnvironment(CONSULT_ENV.guestSessionTtlSeconds, String(settings.guestSessionTtlSeconds));
    props.apiFunction.function.addEnvironment(CONSULT_ENV.notesPatientVisibility, settings.notesPatientVisibility);

    // Meeting ids are made at run time, so the resource is every meeting of this account in this Region; the
    // actions are only those the consults code calls (no List*, no Batch*, no tagging, no media pipelines).
    const meetings = stack.formatArn({ service: 'chime', resource: 'meeting', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    props.apiFunction.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: [...CONSULT_CHIME_ACTIONS], resources: [meetings] }));
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    Validations.of(props.apiFunction.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:${region}:${account}:meeting/*]`,
      reason: 'Chime meeting ids are created at run time; the wildcard covers only Chime SDK meetings of this account and Region, for the six meeting and attendee actions consults call.',
    });

    // Its own key: the EventBridge service must be allowed to encrypt into the queue, which the data key (in the
    // stateful stack) should not grant. The queue holds meeting events: ids only, no patient data.
    const key = new Key(this, 'DeadLetterKey', {
      description: `Telehealth ${props.stage}: dead letters of Chime meeting events`,
      enableKeyRotation: true,
      // Stateless stack: dead letters are kept 14 days for replay, not as records; the key goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deadLetterQueue = new Queue(this, 'MeetingEventsDeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the meeting-events rule and function; it has none of its own.',
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Chime meeting events are in the dead-letter queue: consult timelines miss join/leave/end entries until they are replayed.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.eventsFunction = new TelehealthFunction(this, 'ConsultEvents', {
      entry: 'consult-events',
      description: 'Telehealth: Chime meeting events into consult timelines',
      environment: props.environment,
      logRetention: props.logRetention,
      logKey: props.logKey,
      memorySize: 256,
    });
    // Timeline entries and meeting links in the records table; no Chime calls, no audit (no user acts here).
    props.tables.records.grantReadWriteData(this.eventsFunction.function);
    props.tables.acknowledgeIndexWildcards(this.eventsFunction.role);
    // A handler error: Lambda retries twice, then the event goes to the dead-letter queue.
    this.eventsFunction.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });
    Validations.of(this.eventsFunction.function).acknowledge({
      id: 'HIPAA.Security-LambdaDLQ',
      reason: 'Failed asynchronous invocations go to the encrypted dead-letter queue through an on-failure destination (EventInvokeConfig), which supersedes DeadLetterConfig.',
    });

    this.rule = new Rule(this, 'MeetingEvents', {
      description: 'Chime SDK meeting state changes of consults (their external meeting id is the appointment id)',
      eventPattern: {
        source: ['aws.chime'],
        detailType: ['Chime Meeting State Change'],
        detail: { eventType: HANDLED_CHIME_EVENT_TYPES, externalMeetingId: [{ prefix: 'appt_' }] },
      },
    });
    // A failed delivery (throttled, function unavailable): EventBridge retries, then dead-letters.
    this.rule.addTarget(
      new LambdaFunction(this.eventsFunction.function, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) }),
    );
    key.grant(new ServicePrincipal('events.amazonaws.com'), 'kms:GenerateDataKey', 'kms:Decrypt');
  }
}
