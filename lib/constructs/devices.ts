import { Stack, Token, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEVICES_ENV } from '../../lambdas/devices/settings.js';
import type { TelehealthFunction } from './telehealth-function.js';

export interface DeviceProvisioningProps {
  readonly stage: string;
  /** The `devices` API function (lambdas/entry/devices.ts). */
  readonly function: TelehealthFunction;
  /** The device policy every certificate gets: the `Telemetry` construct creates it from `iotPolicyDocument`. */
  readonly devicePolicyName: string;
}

/** The one IoT policy name of a stage's devices (the `Telemetry` construct creates it; the devices function attaches it). */
export function devicePolicyName(stage: string): string {
  return `telehealth-${stage}-device`;
}

/**
 * What the devices function may do in IoT Core, and nothing more: create things named `dev_*`, create certificates,
 * attach the device policy to a certificate and a certificate to a `dev_*` thing, deactivate certificates, and look
 * up the account's data endpoint. No delete, no policy editing, no access to any other thing.
 */
export class DeviceProvisioning extends Construct {
  public readonly devicePolicyName: string;

  constructor(scope: Construct, id: string, props: DeviceProvisioningProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.devicePolicyName = props.devicePolicyName;

    const thingArn = stack.formatArn({ service: 'iot', resource: 'thing', resourceName: 'dev_*' });
    const certificateArn = stack.formatArn({ service: 'iot', resource: 'cert', resourceName: '*' });
    const fn = props.function.function;
    fn.addToRolePolicy(new PolicyStatement({ sid: 'CreateDeviceThings', effect: Effect.ALLOW, actions: ['iot:CreateThing'], resources: [thingArn] }));
    // Certificate ids are made by IoT, so the certificates this function handles can only be named by pattern.
    fn.addToRolePolicy(new PolicyStatement({ sid: 'AttachDevicePolicy', effect: Effect.ALLOW, actions: ['iot:AttachPolicy'], resources: [certificateArn] }));
    fn.addToRolePolicy(
      new PolicyStatement({ sid: 'AttachCertificateToThing', effect: Effect.ALLOW, actions: ['iot:AttachThingPrincipal'], resources: [thingArn, certificateArn] }),
    );
    fn.addToRolePolicy(new PolicyStatement({ sid: 'DeactivateCertificates', effect: Effect.ALLOW, actions: ['iot:UpdateCertificate'], resources: [certificateArn] }));
    // These two have no resource-level permissions in IAM: "*" is the only resource they accept.
    fn.addToRolePolicy(
      new PolicyStatement({ sid: 'CreateCertificatesAndFindEndpoint', effect: Effect.ALLOW, actions: ['iot:CreateKeysAndCertificate', 'iot:DescribeEndpoint'], resources: ['*'] }),
    );
    fn.addEnvironment(DEVICES_ENV.devicePolicyName, this.devicePolicyName);

    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const arn = (resource: string) => `arn:<AWS::Partition>:iot:${region}:${account}:${resource}`;
    Validations.of(props.function.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'iot:CreateKeysAndCertificate and iot:DescribeEndpoint have no resource-level permissions (and X-Ray, see TelehealthFunction).',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arn('thing/dev_*')}]`,
        reason: 'Things are created per registered device with a fresh id; the pattern limits the function to device things (dev_ + ULID).',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arn('cert/*')}]`,
        reason: 'IoT assigns certificate ids at creation, so the certificates this function attaches and deactivates cannot be named in advance.',
      },
    );
  }
}
