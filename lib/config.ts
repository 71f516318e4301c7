import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

/** The one typed configuration of a deployment, read from CDK context (cdk.json or `-c key=value`). */
export interface AppConfig {
  /** Deployment stage (dev, test, prod...): prefixes stack and resource names. */
  readonly stage: string;
  /** Deployment region: `-c region=...`, else the CLI's default region, else us-east-1. */
  readonly region: string;
  /** Shown in the Cognito invitation e-mails and the API description. */
  readonly organisationName: string;
  /** Browser origins allowed by CORS. */
  readonly allowedOrigins: readonly string[];
  readonly logRetention: RetentionDays;
  /** Where Chime SDK meeting media is hosted (data residency). */
  readonly chimeMediaRegion: string;
  /** `retain` (default) keeps tables, keys and streams when a stack is deleted; `destroy` is for throwaway stages. */
  readonly removalPolicy: RemovalPolicy;
  /** `regional` (default) or `private` (reachable only through the given VPC endpoints). */
  readonly endpointType: 'regional' | 'private';
  readonly vpcEndpointIds: readonly string[];
  /** Steady-state requests per second and burst for the whole API stage. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Subscribed to the stage's alarm topic when set (SNS sends it a confirmation e-mail first). */
  readonly alarmEmail?: string;
}

const CHIME_MEDIA_REGIONS = [
  'af-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1',
  'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1',
  'us-east-2', 'us-west-1', 'us-west-2', 'us-gov-east-1', 'us-gov-west-1', 'il-central-1',
];

export class ConfigError extends Error {}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).trim();
  if (text.startsWith('[')) return (JSON.parse(text) as unknown[]).map(String);
  return text.split(',').map((item) => item.trim()).filter(Boolean);
}

/** Reads and validates the configuration; a wrong value fails the synth with the key's name. */
export function readConfig(node: Pick<Node, 'tryGetContext'>): AppConfig {
  const get = (key: string) => node.tryGetContext(key) as unknown;
  const stage = String(get('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{1,15}$/.test(stage)) throw new ConfigError('stage: 2-16 lower-case letters, digits or dashes, starting with a letter');
  const organisationName = String(get('organisationName') ?? 'Telehealth');
  const allowedOrigins = list(get('allowedOrigins'));
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`allowedOrigins: not an origin (scheme://host[:port]): ${origin}`);
  }
  const retentionDays = Number(get('logRetentionDays') ?? 365);
  if (!Object.values(RetentionDays).includes(retentionDays)) throw new ConfigError('logRetentionDays: must be one of CloudWatch Logs retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)');
  const chimeMediaRegion = String(get('chimeMediaRegion') ?? 'us-east-1');
  if (!CHIME_MEDIA_REGIONS.includes(chimeMediaRegion)) throw new ConfigError(`chimeMediaRegion: not a Chime SDK media region: ${chimeMediaRegion}`);
  const removal = String(get('removalPolicy') ?? 'retain');
  if (removal !== 'retain' && removal !== 'destroy') throw new ConfigError('removalPolicy: retain or destroy');
  const endpointType = String(get('endpointType') ?? 'regional');
  if (endpointType !== 'regional' && endpointType !== 'private') throw new ConfigError('endpointType: regional or private');
  const vpcEndpointIds = list(get('vpcEndpointIds'));
  if (endpointType === 'private' && vpcEndpointIds.length === 0) throw new ConfigError('vpcEndpointIds: a private API needs at least one VPC endpoint id');
  const rateLimit = Number(get('throttleRateLimit') ?? 100);
  const burstLimit = Number(get('throttleBurstLimit') ?? 200);
  if (!(rateLimit > 0) || !(burstLimit > 0)) throw new ConfigError('throttleRateLimit and throttleBurstLimit: positive numbers');
  const region = String(get('region') ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1');
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) throw new ConfigError(`region: not an AWS region: ${region}`);
  const alarmEmail = String(get('alarmEmail') ?? '').trim() || undefined;
  if (alarmEmail !== undefined && !/^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(alarmEmail)) throw new ConfigError(`alarmEmail: not one e-mail address: ${alarmEmail}`);
  return {
    stage,
    region,
    organisationName,
    allowedOrigins,
    logRetention: retentionDays as RetentionDays,
    chimeMediaRegion,
    removalPolicy: removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    endpointType,
    vpcEndpointIds,
    throttle: { rateLimit, burstLimit },
    alarmEmail,
  };
}
