import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { functionNames, routes } from '../lambdas/api/routes.js';
import { physicalName, telemetryStream } from '../lambdas/definitions/tables.js';
import { ENV } from '../lambdas/runtime/config.js';
import type { AppConfig } from './config.js';
import { Api } from './constructs/api.js';
import { Auth } from './constructs/auth.js';
import { DeviceProvisioning } from './constructs/devices.js';
import { Observability } from './constructs/observability.js';
import type { Records } from './constructs/records.js';
import { TableAccess } from './constructs/table-access.js';
import { TelehealthFunction } from './constructs/telehealth-function.js';
import { Telemetry } from './constructs/telemetry.js';
import { Video } from './constructs/video.js';

export interface StatelessStackProps extends StackProps {
  readonly config: AppConfig;
  /** The stateful stack's resources this stack reads and writes. */
  readonly records: Records;
}

/** Code and wiring: the API, its functions, the user pool and the telemetry pipeline. Redeployed freely; holds no records. */
export class StatelessStack extends Stack {
  public readonly auth: Auth;
  public readonly api: Api;
  public readonly functions: ReadonlyMap<string, TelehealthFunction>;
  public readonly telemetry: Telemetry;
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, records } = props;
    this.auth = new Auth(this, 'Auth', { stage: config.stage, organisationName: config.organisationName, removalPolicy: config.removalPolicy });

    const tables = new TableAccess(this, 'Tables', { stage: config.stage, key: records.key });
    const environment = {
      [ENV.stage]: config.stage,
      [ENV.recordsTableName]: tables.records.tableName,
      [ENV.auditTableName]: tables.audit.tableName,
      [ENV.telemetryStreamName]: physicalName(config.stage, telemetryStream.logicalName),
      [ENV.chimeMediaRegion]: config.chimeMediaRegion,
      [ENV.allowedOrigins]: config.allowedOrigins.join(','),
    };
    const functions = new Map<string, TelehealthFunction>();
    for (const fn of functionNames(routes)) {
      const construct = new TelehealthFunction(this, `Fn-${fn}`, {
        entry: fn,
        description: `Telehealth API: ${fn}`,
        environment,
        logRetention: config.logRetention,
        logKey: records.key,
      });
      // Every API function keeps idempotency keys in the records table and appends to the audit trail.
      tables.records.grantReadWriteData(construct.function);
      tables.audit.grant(construct.function, 'dynamodb:PutItem', 'dynamodb:Query');
      tables.acknowledgeIndexWildcards(construct.role);
      functions.set(fn, construct);
    }
    this.functions = functions;
    // Video consults: Chime permissions for the consults function, and the meeting-events rule and function.
    const video = new Video(this, 'Video', { stage: config.stage, apiFunction: functions.get('consults')!, environment, tables, logRetention: config.logRetention, logKey: records.key });
    // Wearable telemetry: the device policy, the IoT rule into the stream, the stream processor, dead letters, alarms.
    this.telemetry = new Telemetry(this, 'Telemetry', {
      stage: config.stage,
      key: records.key,
      tables,
      environment,
      logRetention: config.logRetention,
    });
    // Gateways: the devices function creates IoT things and certificates with the device policy the Telemetry construct owns.
    new DeviceProvisioning(this, 'DeviceProvisioning', {
      stage: config.stage,
      function: functions.get('devices')!,
      devicePolicyName: this.telemetry.devicePolicy.policyName!,
    });

    this.api = new Api(this, 'Api', {
      stage: config.stage,
      organisationName: config.organisationName,
      routes,
      functions: new Map([...functions].map(([fn, construct]) => [fn, construct.function])),
      userPool: this.auth.userPool,
      allowedOrigins: config.allowedOrigins,
      logRetention: config.logRetention,
      logKey: records.key,
      endpointType: config.endpointType,
      vpcEndpointIds: config.vpcEndpointIds,
      throttle: config.throttle,
    });

    // One alarm topic and one dashboard for the stage: every function of the stack, the API, the tables, the domain alarms.
    this.observability = new Observability(this, 'Observability', {
      stage: config.stage,
      key: records.key,
      alarmEmail: config.alarmEmail,
      apiStage: this.api.restApi.deploymentStage,
      functions: new Map<string, TelehealthFunction>([...functions, ['telemetry-processor', this.telemetry.processor], ['telemetry-sweeper', this.telemetry.sweeper], ['consult-events', video.eventsFunction]]),
      tables: new Map([['records', tables.records], ['audit', tables.audit]]),
      alarms: new Map([
        ['Telemetry iterator age', this.telemetry.iteratorAgeAlarm],
        ['Telemetry dead letters', this.telemetry.deadLetterAlarm],
        ['Consult events dead letters', video.deadLetterAlarm],
      ]),
    });

    // Findings that hold for every function of the stack, each with its reason.
    Validations.of(this).acknowledge({
      id: 'HIPAA.Security-LambdaInsideVPC',
      reason: 'The functions reach only AWS service endpoints (DynamoDB, Kinesis, Chime, IoT) over TLS with IAM; a VPC would add NAT cost and cold-start latency without guarding any private resource.',
    });
    Validations.of(this).acknowledge({
      id: 'HIPAA.Security-LambdaConcurrency',
      reason: 'Concurrency is bounded by API Gateway stage throttling; reserving concurrency per function would fail deployments in accounts with the default limit of 10.',
    });
    Validations.of(this).acknowledge({
      id: 'HIPAA.Security-LambdaDLQ',
      reason: 'API functions are invoked synchronously by API Gateway; a dead-letter queue applies only to asynchronous invocations.',
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'AppClientId', { value: this.auth.appClient.userPoolClientId });
    new CfnOutput(this, 'TelemetryDeadLetterQueueUrl', { value: this.telemetry.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}
