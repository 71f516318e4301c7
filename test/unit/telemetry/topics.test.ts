import { describe, expect, it } from 'vitest';
import { newId } from '../../../lambdas/shared/ids.js';
import {
  THING_NAME_VARIABLE,
  basicIngestTopic,
  commandTopic,
  commandTopicFilter,
  deviceIdFromTelemetryTopic,
  evaluateSubstitutionTemplate,
  iotPolicyDocument,
  isDeviceAllowed,
  isValidRuleName,
  matchTelemetryRule,
  parseBasicIngestTopic,
  partitionKeyForTopic,
  statusTopic,
  telemetryRule,
  telemetryTopic,
  topicMatchesFilter,
} from '../../../lambdas/telemetry/topics.js';

const id = 'dev_01JD3X6Q8N4W5T7V9Y2Z3A4B5C';
const other = 'dev_01JD3X6Q8N4W5T7V9Y2Z3A4B5D';

describe('telemetry topics', () => {
  it('names topics after the AWS topic-design whitepaper', () => {
    expect(telemetryTopic(id)).toBe(`dt/rehab/${id}/imu`);
    expect(statusTopic(id)).toBe(`dt/rehab/${id}/status`);
    expect(commandTopicFilter(id)).toBe(`cmd/rehab/${id}/#`);
    expect(commandTopic(id, 'session/start')).toBe(`cmd/rehab/${id}/session/start`);
    expect(basicIngestTopic(id)).toBe(`$aws/rules/${telemetryRule.ruleName}/dt/rehab/${id}/imu`);
  });

  it.each(['dev_+', 'dev_#', `${id}/x`, 'pat_01JD3X6Q8N4W5T7V9Y2Z3A4B5C', ''])('refuses %j as a device id in a topic', (bad) => {
    expect(() => telemetryTopic(bad)).toThrow(TypeError);
    expect(() => basicIngestTopic(bad)).toThrow(TypeError);
    expect(() => commandTopicFilter(bad)).toThrow(TypeError);
  });

  it('refuses command paths that would widen a topic', () => {
    expect(() => commandTopic(id, '#')).toThrow(TypeError);
    expect(() => commandTopic(id, 'a/+/b')).toThrow(TypeError);
    expect(() => commandTopic(id, '')).toThrow(TypeError);
  });

  it('defines a rule IoT accepts: name pattern, SQL over the filter, partition key by device', () => {
    expect(telemetryRule.ruleName).toMatch(/^[a-zA-Z0-9_]+$/);
    expect(telemetryRule.sql).toBe(`SELECT * FROM '${telemetryRule.topicFilter}'`);
    expect(telemetryRule.topicFilter).toBe('dt/rehab/+/imu');
    expect(telemetryRule.partitionKeyTemplate).toBe('${topic(3)}');
    expect(telemetryRule.awsIotSqlVersion).toBe('2016-03-23');
    expect(isValidRuleName('rehab-imu')).toBe(false);
    expect(isValidRuleName('a'.repeat(129))).toBe(false);
    expect(() => basicIngestTopic(id, 'bad-name')).toThrow(TypeError);
  });

  it('evaluates the partition key to the device id, for normal and Basic Ingest topics', () => {
    const fresh = newId('dev');
    expect(partitionKeyForTopic(telemetryTopic(fresh))).toBe(fresh);
    expect(partitionKeyForTopic(basicIngestTopic(fresh))).toBe(fresh);
    expect(matchTelemetryRule(basicIngestTopic(fresh))).toEqual({ topic: telemetryTopic(fresh), partitionKey: fresh, viaBasicIngest: true });
    expect(matchTelemetryRule(telemetryTopic(fresh))).toEqual({ topic: telemetryTopic(fresh), partitionKey: fresh, viaBasicIngest: false });
  });

  it.each([
    ['the status topic', `dt/rehab/${id}/status`],
    ['a deeper topic', `dt/rehab/${id}/imu/extra`],
    ['another app', `dt/gait/${id}/imu`],
    ['Basic Ingest of another rule', `$aws/rules/other_rule/dt/rehab/${id}/imu`],
    ['Basic Ingest of the rule with a non-matching topic', `$aws/rules/${telemetryRule.ruleName}/dt/rehab/${id}/status`],
    ['a $ topic that only looks like it', `$dt/rehab/${id}/imu`],
    ['a command', `cmd/rehab/${id}/imu`],
  ])('does not trigger the rule for %s', (_name, topic) => {
    expect(matchTelemetryRule(topic)).toBeUndefined();
    expect(partitionKeyForTopic(topic)).toBeUndefined();
  });

  it('maps Basic Ingest topics back to the topic the rule sees', () => {
    expect(parseBasicIngestTopic(basicIngestTopic(id))).toEqual({ ruleName: telemetryRule.ruleName, topic: telemetryTopic(id) });
    expect(parseBasicIngestTopic('$aws/rules/r1/a/b')).toEqual({ ruleName: 'r1', topic: 'a/b' });
    expect(parseBasicIngestTopic(telemetryTopic(id))).toBeUndefined();
    expect(parseBasicIngestTopic('$aws/rules/r1')).toBeUndefined();
    expect(parseBasicIngestTopic('$aws/rules/bad-name/a')).toBeUndefined();
    expect(parseBasicIngestTopic('$aws/things/x/shadow/update')).toBeUndefined();
  });

  it('reads the device id from either form of the telemetry topic only', () => {
    expect(deviceIdFromTelemetryTopic(telemetryTopic(id))).toBe(id);
    expect(deviceIdFromTelemetryTopic(basicIngestTopic(id))).toBe(id);
    expect(deviceIdFromTelemetryTopic('dt/rehab/not-a-device/imu')).toBeUndefined();
    expect(deviceIdFromTelemetryTopic(statusTopic(id))).toBeUndefined();
  });

  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/+', true],
    ['a/b', '+/+', true],
    ['a/b', 'a/b/+', false],
    ['a/b/c', 'a/+', false],
    ['a', 'a/#', true],
    ['a/b/c', 'a/#', true],
    ['b/c', 'a/#', false],
    ['a/b', '#', true],
    ['a//b', 'a/+/b', true],
    ['a/b', 'a/c', false],
  ])('matches topic %j against filter %j: %s', (topic, filter, expected) => {
    expect(topicMatchesFilter(topic, filter)).toBe(expected);
  });

  it('evaluates substitution templates as IoT does, refusing what it cannot', () => {
    const topic = telemetryTopic(id);
    expect(evaluateSubstitutionTemplate('${topic()}', topic)).toBe(topic);
    expect(evaluateSubstitutionTemplate('${topic(1)}-${topic(3)}', topic)).toBe(`dt-${id}`);
    expect(evaluateSubstitutionTemplate('${topic(9)}', topic)).toBe('');
    expect(evaluateSubstitutionTemplate('plain', topic)).toBe('plain');
    expect(() => evaluateSubstitutionTemplate('${clientid()}', topic)).toThrow(/unsupported/);
  });
});

describe('device permissions (local evaluation of the policy)', () => {
  it.each([
    ['publish', telemetryTopic(id), true],
    ['publish', statusTopic(id), true],
    ['publish', basicIngestTopic(id), true],
    ['publish', telemetryTopic(other), false],
    ['publish', statusTopic(other), false],
    ['publish', basicIngestTopic(other), false],
    ['publish', `$aws/rules/other_rule/dt/rehab/${id}/imu`, false],
    ['publish', `dt/rehab/${id}/imu/more`, false],
    ['publish', commandTopic(id, 'x'), false],
    ['publish', 'dt/rehab/+/imu', false],
    ['subscribe', commandTopicFilter(id), true],
    ['subscribe', `cmd/rehab/${id}/session/+`, true],
    ['subscribe', `cmd/rehab/${id}`, false],
    ['subscribe', commandTopicFilter(other), false],
    ['subscribe', 'cmd/rehab/+/#', false],
    ['subscribe', '#', false],
    ['subscribe', telemetryTopic(id), false],
    ['receive', commandTopic(id, 'session/start'), true],
    ['receive', commandTopic(other, 'session/start'), false],
    ['receive', telemetryTopic(id), false],
  ] as const)('%s %s → %s', (action, topic, allowed) => {
    expect(isDeviceAllowed(action, id, topic)).toBe(allowed);
  });

  it('allows nothing to a client that is not a device', () => {
    expect(isDeviceAllowed('publish', '+', 'dt/rehab/+/imu')).toBe(false);
    expect(isDeviceAllowed('subscribe', 'admin', 'cmd/rehab/admin/#')).toBe(false);
  });
});

describe('iotPolicyDocument', () => {
  const policy = iotPolicyDocument({ region: 'eu-west-1', account: '123456789012' });
  const statement = (action: string) => policy.Statement.find((s) => s.Action === action);
  const arn = (rest: string) => `arn:aws:iot:eu-west-1:123456789012:${rest}`;
  const thing = '${iot:Connection.Thing.ThingName}';

  it('lets a device connect only as the thing its certificate is attached to', () => {
    expect(THING_NAME_VARIABLE).toBe(thing);
    expect(statement('iot:Connect')).toEqual({
      Effect: 'Allow',
      Action: 'iot:Connect',
      Resource: [arn(`client/${thing}`)],
      Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
    });
  });

  it('lets a device publish only to its own topics, including Basic Ingest', () => {
    expect(statement('iot:Publish')!.Resource).toEqual([
      arn(`topic/dt/rehab/${thing}/imu`),
      arn(`topic/dt/rehab/${thing}/status`),
      arn(`topic/$aws/rules/${telemetryRule.ruleName}/dt/rehab/${thing}/imu`),
    ]);
  });

  it('lets a device subscribe to and receive only its own commands', () => {
    expect(statement('iot:Subscribe')!.Resource).toEqual([arn(`topicfilter/cmd/rehab/${thing}/*`)]);
    expect(statement('iot:Receive')!.Resource).toEqual([arn(`topic/cmd/rehab/${thing}/*`)]);
  });

  it('grants nothing else: only Allow statements for the four actions, no retained publishes, no wildcard resources', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.map((s) => [s.Effect, s.Action])).toEqual([
      ['Allow', 'iot:Connect'],
      ['Allow', 'iot:Publish'],
      ['Allow', 'iot:Subscribe'],
      ['Allow', 'iot:Receive'],
    ]);
    for (const s of policy.Statement) {
      for (const resource of s.Resource) {
        // Every resource is scoped to the connecting thing; a `*` is only ever the tail under it.
        expect(resource).toContain(thing);
        expect(resource.replace(`${thing}/*`, '')).not.toContain('*');
      }
    }
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy);
  });

  it('is what the local broker enforces: each resource, resolved for a device, is allowed locally', () => {
    const prefix = arn('');
    const resolve = (resource: string) => resource.slice(prefix.length).replace(/^(topic|topicfilter)\//, '').replaceAll(thing, id);
    for (const resource of statement('iot:Publish')!.Resource) expect(isDeviceAllowed('publish', id, resolve(resource))).toBe(true);
    for (const resource of statement('iot:Subscribe')!.Resource) {
      expect(isDeviceAllowed('subscribe', id, resolve(resource).replace(/\*$/, '#'))).toBe(true);
    }
  });

  it('takes the partition and a rule name', () => {
    const china = iotPolicyDocument({ partition: 'aws-cn', region: 'cn-north-1', account: '1', ruleName: 'other_rule' });
    expect(china.Statement[1]!.Resource[2]).toBe(`arn:aws-cn:iot:cn-north-1:1:topic/$aws/rules/other_rule/dt/rehab/${thing}/imu`);
    expect(() => iotPolicyDocument({ region: 'r', account: 'a', ruleName: 'no-dashes' })).toThrow(TypeError);
  });
});
