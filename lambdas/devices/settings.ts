/**
 * Settings of the devices function in AWS: environment variables the CDK `DeviceProvisioning` construct sets
 * (lib/constructs/devices.ts). Locally the composition root passes a local provisioner instead and none is read.
 */
export const DEVICES_ENV = {
  /** The one IoT policy every device certificate carries (lambdas/telemetry/topics.ts `iotPolicyDocument`). */
  devicePolicyName: 'IOT_DEVICE_POLICY_NAME',
  /** Optional: the account's IoT data endpoint (host). Without it the function asks DescribeEndpoint once per container. */
  iotEndpoint: 'IOT_DATA_ENDPOINT',
} as const;

export interface DevicesSettings {
  readonly devicePolicyName: string;
  readonly iotEndpoint?: string;
}

export class DevicesSettingsError extends Error {}

/** IoT policy names: [\w+=,.@-]{1,128}. */
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

export function devicesSettingsFrom(env: Readonly<Record<string, string | undefined>>): DevicesSettings {
  const devicePolicyName = env[DEVICES_ENV.devicePolicyName] ?? '';
  if (!POLICY_NAME.test(devicePolicyName)) throw new DevicesSettingsError(`${DEVICES_ENV.devicePolicyName}: an IoT policy name is required`);
  const iotEndpoint = env[DEVICES_ENV.iotEndpoint] || undefined;
  if (iotEndpoint !== undefined && !/^[a-z0-9.-]+$/.test(iotEndpoint)) throw new DevicesSettingsError(`${DEVICES_ENV.iotEndpoint}: a host name`);
  return { devicePolicyName, ...(iotEndpoint ? { iotEndpoint } : {}) };
}
