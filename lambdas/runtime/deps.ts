import { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DeviceProvisioner } from '../devices/ports.js';
import type { RuntimeConfig } from './config.js';

/**
 * The composition root's output: SDK clients and settings that adapters are built from.
 * The AWS entry points build it once at module scope from the environment; the local stack builds it
 * with local endpoints. Handler code cannot tell the two apart.
 */
export interface Deps {
  readonly config: RuntimeConfig;
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly chime: ChimeSDKMeetingsClient;
  readonly iotData: IoTDataPlaneClient;
  readonly sqs: SQSClient;
  /** IoT control plane (things, certificates): the devices function in AWS. Unused locally. */
  readonly iot: IoTClient;
  /** Local composition root only: device identities from the local CA and broker instead of IoT Core. */
  readonly deviceProvisioner?: DeviceProvisioner;
  readonly now: () => Date;
}

export function createDeps(config: RuntimeConfig, now: () => Date = () => new Date()): Deps {
  const common = (endpoint: string | undefined) => ({
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
  return {
    config,
    now,
    dynamodb: new DynamoDBClient(common(config.endpoints?.dynamodb)),
    // Kinesis defaults to HTTP/2 in Node, which local kinesalite does not speak; HTTP/1.1 works for both.
    kinesis: new KinesisClient({ ...common(config.endpoints?.kinesis), requestHandler: new NodeHttpHandler() }),
    chime: new ChimeSDKMeetingsClient(common(config.endpoints?.chime)),
    iotData: new IoTDataPlaneClient(common(config.endpoints?.iotData)),
    sqs: new SQSClient(common(config.endpoints?.sqs)),
    iot: new IoTClient(common(undefined)),
  };
}
