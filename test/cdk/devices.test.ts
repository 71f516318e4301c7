import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEVICES_ENV } from '../../lambdas/devices/settings.js';
import { DeviceProvisioning } from '../../lib/constructs/devices.js';
import { TelehealthFunction } from '../../lib/constructs/telehealth-function.js';
import { synthApp } from '../helpers/cdk.js';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Sid?: string };

/** Every IAM statement of the roles whose logical id starts with `prefix`. */
function statementsOf(template: Template, prefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([, policy]) => JSON.stringify((policy as { Properties: { Roles: unknown } }).Properties.Roles).includes(prefix))
    .flatMap(([, policy]) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}
const actions = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
const iotStatements = (statements: Statement[]) => statements.filter((statement) => actions(statement).some((action) => action.startsWith('iot:')));
const arnSuffix = (resource: unknown) => {
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join ? String(join[1].at(-1)) : String(resource);
};

describe('devices function IoT permissions (least privilege)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthApp().stateless;
  });

  it('grants exactly the provisioning actions, each on the narrowest resource IAM allows', () => {
    const statements = iotStatements(statementsOf(template, 'Fndevices'));
    const granted = Object.fromEntries(statements.flatMap((statement) => actions(statement).map((action) => [action, (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(arnSuffix).sort()])));
    expect(granted).toEqual({
      'iot:CreateThing': [':thing/dev_*'],
      'iot:AttachPolicy': [':cert/*'],
      'iot:AttachThingPrincipal': [':cert/*', ':thing/dev_*'],
      'iot:UpdateCertificate': [':cert/*'],
      // No resource-level permissions exist for these two.
      'iot:CreateKeysAndCertificate': ['*'],
      'iot:DescribeEndpoint': ['*'],
    });
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
    // Nothing that deletes, edits policies, or reaches devices' data.
    expect(Object.keys(granted).some((action) => /\*|Delete|CreatePolicy|Publish|Connect|Receive/.test(action))).toBe(false);
    // Thing and certificate ARNs stay in this account and region.
    const thing = statements.find((statement) => actions(statement).includes('iot:CreateThing'))!;
    expect(JSON.stringify(thing.Resource)).toContain(':iot:us-east-1:');
    expect(JSON.stringify(thing.Resource)).toContain('"Ref":"AWS::AccountId"');
  });

  it('gives no other function any IoT control-plane action', () => {
    for (const fn of ['Fnrehab', 'Fnrecords', 'Fnscheduling', 'Fnsystem']) {
      expect(iotStatements(statementsOf(template, fn)), fn).toEqual([]);
    }
  });

  it('tells the devices function the device policy the Telemetry construct creates, and that policy is the device policy', () => {
    const devicePolicies = template.findResources('AWS::IoT::Policy');
    const names = Object.values(devicePolicies).map((policy) => (policy as { Properties: { PolicyName: string } }).Properties.PolicyName);
    expect(names).toEqual(['telehealth-dev-device']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Telehealth API: devices',
      Environment: { Variables: Match.objectLike({ [DEVICES_ENV.devicePolicyName]: 'telehealth-dev-device' }) },
    });
    template.hasResourceProperties('AWS::IoT::Policy', {
      PolicyName: 'telehealth-dev-device',
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Action: 'iot:Connect', Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } })]),
      }),
    });
  });

  it('serves the device and rehab query routes from their own functions', () => {
    for (const [operationName, description] of [
      ['registerDevice', 'devices'],
      ['deactivateDevice', 'devices'],
      ['listPatientRehabSessions', 'rehab'],
      ['getRehabSession', 'rehab'],
    ] as const) {
      template.hasResourceProperties('AWS::ApiGateway::Method', { OperationName: operationName, AuthorizationType: 'COGNITO_USER_POOLS' });
      template.hasResourceProperties('AWS::Lambda::Function', { Description: `Telehealth API: ${description}` });
    }
  });

  it('acknowledges its wildcard findings next to the role, with reasons, so cdk-nag passes', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cdk-devices-')), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Devices', { env: { region: 'eu-west-1', account: '123456789012' } });
    const fn = new TelehealthFunction(stack, 'Fn-devices', {
      entry: 'devices',
      description: 'devices',
      environment: {},
      logRetention: RetentionDays.ONE_YEAR,
      logKey: new Key(stack, 'Key', { enableKeyRotation: true }),
    });
    new DeviceProvisioning(stack, 'DeviceProvisioning', { stage: 'dev', function: fn, devicePolicyName: 'telehealth-dev-device' });
    // What the stateless stack acknowledges for all its functions; everything IoT is this construct's to acknowledge.
    for (const id of ['HIPAA.Security-LambdaInsideVPC', 'HIPAA.Security-LambdaConcurrency', 'HIPAA.Security-LambdaDLQ']) {
      Validations.of(stack).acknowledge({ id, reason: 'as in the stateless stack' });
    }
    // A concrete account and region: the ARNs name them, no tokens.
    const statements = iotStatements(statementsOf(Template.fromStack(stack), 'Fndevices'));
    expect(statements.find((statement) => actions(statement).includes('iot:CreateThing'))!.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:eu-west-1:123456789012:thing/dev_*']],
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
