/** What every handler needs to know about where it runs. Read from the environment in AWS, built in code locally. */
export interface RuntimeConfig {
  readonly stage: string;
  readonly region: string;
  readonly recordsTableName: string;
  readonly auditTableName: string;
  readonly telemetryStreamName: string;
  /** Where the stream processor puts records it cannot process (malformed, unknown device); empty where unused. */
  readonly telemetryDeadLetterQueueUrl: string;
  readonly chimeMediaRegion: string;
  /** Minutes without a message after which the sweeper marks an active rehab session interrupted; default 30. */
  readonly telemetrySessionIdleMinutes?: number;
  /** Origins allowed to call the API from a browser; `*` is never used because the API takes credentials. */
  readonly allowedOrigins: readonly string[];
  /** Local endpoints; absent in AWS, where the SDK resolves the regional endpoints. */
  readonly endpoints?: {
    readonly dynamodb?: string;
    readonly kinesis?: string;
    readonly chime?: string;
    readonly iotData?: string;
    readonly sqs?: string;
  };
  /** Static credentials for local endpoints only. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Environment variable names, shared by the CDK function construct (which sets them) and the AWS runtime (which reads them). */
export const ENV = {
  stage: 'STAGE',
  recordsTableName: 'RECORDS_TABLE_NAME',
  auditTableName: 'AUDIT_TABLE_NAME',
  telemetryStreamName: 'TELEMETRY_STREAM_NAME',
  telemetryDeadLetterQueueUrl: 'TELEMETRY_DLQ_URL',
  chimeMediaRegion: 'CHIME_MEDIA_REGION',
  telemetrySessionIdleMinutes: 'TELEMETRY_SESSION_IDLE_MINUTES',
  allowedOrigins: 'ALLOWED_ORIGINS',
} as const;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`missing environment variable ${name}`);
    return value;
  };
  return {
    stage: env[ENV.stage] ?? 'dev',
    region: env.AWS_REGION ?? 'us-east-1',
    recordsTableName: required(ENV.recordsTableName),
    auditTableName: required(ENV.auditTableName),
    telemetryStreamName: env[ENV.telemetryStreamName] ?? '',
    telemetryDeadLetterQueueUrl: env[ENV.telemetryDeadLetterQueueUrl] ?? '',
    chimeMediaRegion: env[ENV.chimeMediaRegion] ?? env.AWS_REGION ?? 'us-east-1',
    allowedOrigins: (env[ENV.allowedOrigins] ?? '').split(',').filter(Boolean),
    ...(env[ENV.telemetrySessionIdleMinutes] ? { telemetrySessionIdleMinutes: positiveNumber(ENV.telemetrySessionIdleMinutes, env[ENV.telemetrySessionIdleMinutes]!) } : {}),
  };
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number of minutes`);
  return value;
}
