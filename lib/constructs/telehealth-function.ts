import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface TelehealthFunctionProps {
  /** File under lambdas/entry/ (without extension) exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  /** Encrypts the function's log group. */
  readonly logKey: IKey;
  readonly memorySize?: number;
  readonly timeout?: Duration;
}

/**
 * The one way this app builds a Lambda function: latest Node.js runtime on arm64, esbuild-bundled and
 * minified with source maps, active tracing, and its own encrypted log group with retention.
 */
export class TelehealthFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: LogGroup;
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: TelehealthFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: it may write only to this function's log group.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Telehealth ${props.entry} function` });
    this.logGroup.grantWrite(role);
    this.role = role;
    this.function = new NodejsFunction(this, 'Function', {
      role,
      entry: join(projectRoot, 'lambdas', 'entry', `${props.entry}.ts`),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'telehealth',
        POWERTOOLS_METRICS_NAMESPACE: 'Telehealth',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        target: 'node24',
        // The runtime ships AWS SDK v3, but pinning ours keeps local and cloud behaviour identical.
        externalModules: [],
      },
    });
    Validations.of(role).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions (active tracing).' },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'Added by the DynamoDB/Kinesis grant* calls for the one customer-managed data key; scoped to that key.' },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'Added by the DynamoDB/Kinesis grant* calls for the one customer-managed data key; scoped to that key.' },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: 'The policy built by grant* calls is attached to this one function role only; a managed policy would add no isolation.' },
    );
  }
}
