/**
 * Telemetry topics, the IoT rule that ingests them and the device policy: one definition read by the
 * CDK construct (AWS IoT Core) and by the local broker (local/iot/broker.ts), so both route and
 * authorize the very same topics. Topic layout follows the AWS topic-design whitepaper:
 * `dt/<app>/<device>/<kind>` for data telemetry, `cmd/<app>/<device>/...` for commands.
 * The format of the payloads is in docs/telemetry-format.md.
 */
import { isId } from '../shared/ids.js';

export const TELEMETRY_APP = 'rehab';

/** IoT rule names allow only [a-zA-Z0-9_]; it is part of the Basic Ingest topic the devices use. */
export const TELEMETRY_RULE_NAME = 'rehab_imu_to_kinesis';

/** `{deviceId}` and `{ruleName}` are placeholders; see `fillTopicTemplate`. */
export const topicTemplates = {
  telemetry: `dt/${TELEMETRY_APP}/{deviceId}/imu`,
  status: `dt/${TELEMETRY_APP}/{deviceId}/status`,
  basicIngestTelemetry: `$aws/rules/{ruleName}/dt/${TELEMETRY_APP}/{deviceId}/imu`,
  /** Commands to one device live under this prefix, e.g. `cmd/rehab/dev_.../session/start`. */
  commandPrefix: `cmd/${TELEMETRY_APP}/{deviceId}/`,
} as const;

/** Level (1-based, as in IoT SQL `topic(n)`) of the device id in the telemetry topic. */
export const DEVICE_ID_TOPIC_LEVEL = 3;

/** The topic rule, as the CDK `CfnTopicRule` and the local broker read it. */
export const telemetryRule = {
  ruleName: TELEMETRY_RULE_NAME,
  topicFilter: `dt/${TELEMETRY_APP}/+/imu`,
  /** `SELECT *` forwards binary (non-JSON) payloads unchanged to the Kinesis action. */
  sql: `SELECT * FROM 'dt/${TELEMETRY_APP}/+/imu'`,
  awsIotSqlVersion: '2016-03-23',
  /** Kinesis action partition key: the device id, so each device's records stay in order on one shard. */
  partitionKeyTemplate: `\${topic(${DEVICE_ID_TOPIC_LEVEL})}`,
} as const;

export type TelemetryRule = typeof telemetryRule;

const RULE_NAME_PATTERN = /^[a-zA-Z0-9_]{1,128}$/;

export function isValidRuleName(name: string): boolean {
  return RULE_NAME_PATTERN.test(name);
}

export function isDeviceId(value: string): boolean {
  return isId(value, 'dev');
}

function requireDeviceId(deviceId: string): void {
  // Ids become topic levels and policy resources: a `/`, `+` or `#` in one would widen them.
  if (!isDeviceId(deviceId)) throw new TypeError('not a device id');
}

export function fillTopicTemplate(template: string, deviceId: string, ruleName: string = TELEMETRY_RULE_NAME): string {
  // Function replacements: a `$` in the value (a policy variable) must not act as a replacement pattern.
  return template.replaceAll('{deviceId}', () => deviceId).replaceAll('{ruleName}', () => ruleName);
}

export function telemetryTopic(deviceId: string): string {
  requireDeviceId(deviceId);
  return fillTopicTemplate(topicTemplates.telemetry, deviceId);
}

export function statusTopic(deviceId: string): string {
  requireDeviceId(deviceId);
  return fillTopicTemplate(topicTemplates.status, deviceId);
}

/** The Basic Ingest form of the telemetry topic: straight to the rule, no broker fan-out, no messaging charge. */
export function basicIngestTopic(deviceId: string, ruleName: string = TELEMETRY_RULE_NAME): string {
  requireDeviceId(deviceId);
  if (!isValidRuleName(ruleName)) throw new TypeError('not a valid IoT rule name');
  return fillTopicTemplate(topicTemplates.basicIngestTelemetry, deviceId, ruleName);
}

/** A command topic for one device, e.g. `commandTopic(id, 'session/start')`. */
export function commandTopic(deviceId: string, command: string): string {
  requireDeviceId(deviceId);
  if (!/^[a-z0-9-]+(?:\/[a-z0-9-]+)*$/.test(command)) throw new TypeError('not a valid command path');
  return fillTopicTemplate(topicTemplates.commandPrefix, deviceId) + command;
}

/** What a device subscribes to for its commands. */
export function commandTopicFilter(deviceId: string): string {
  requireDeviceId(deviceId);
  return `${fillTopicTemplate(topicTemplates.commandPrefix, deviceId)}#`;
}

/**
 * `$aws/rules/<rule>/<topic>` → `{ ruleName, topic }`; undefined for any other topic. The rules engine
 * sees the topic without the prefix (`topic(n)` counts from the original topic), so callers evaluate
 * the rule against `topic`.
 */
export function parseBasicIngestTopic(topic: string): { ruleName: string; topic: string } | undefined {
  const match = /^\$aws\/rules\/([^/]+)\/(.+)$/.exec(topic);
  if (!match || !isValidRuleName(match[1]!)) return undefined;
  return { ruleName: match[1]!, topic: match[2]! };
}

/** MQTT topic-filter matching (`+` one level, `#` the rest), as the rules engine applies FROM. */
export function topicMatchesFilter(topic: string, filter: string): boolean {
  const topicLevels = topic.split('/');
  const filterLevels = filter.split('/');
  for (let i = 0; i < filterLevels.length; i++) {
    const f = filterLevels[i]!;
    // `a/#` also matches `a` itself (MQTT 3.1.1, 4.7.1.2).
    if (f === '#') return true;
    if (i >= topicLevels.length) return false;
    if (f !== '+' && f !== topicLevels[i]) return false;
  }
  return topicLevels.length === filterLevels.length;
}

/**
 * Evaluates an IoT substitution template for a concrete topic. Only `${topic()}` and `${topic(n)}`
 * are supported: that is all our rules use, and anything else fails loudly rather than differ from AWS.
 */
export function evaluateSubstitutionTemplate(template: string, topic: string): string {
  const levels = topic.split('/');
  return template.replace(/\$\{([^}]*)\}/g, (_whole, expression: string) => {
    const call = /^\s*topic\(\s*(\d*)\s*\)\s*$/.exec(expression);
    if (!call) throw new Error(`unsupported substitution expression: ${expression}`);
    if (call[1] === '') return topic;
    const index = Number(call[1]);
    // IoT SQL yields Undefined for a missing level, which an action substitutes as an empty string.
    return index >= 1 && index <= levels.length ? levels[index - 1]! : '';
  });
}

export interface RuleMatch {
  /** The topic the rule saw (the Basic Ingest prefix removed). */
  readonly topic: string;
  readonly partitionKey: string;
  readonly viaBasicIngest: boolean;
}

/**
 * Does `topic` (as published) trigger the telemetry rule, and with which partition key? Basic Ingest
 * topics trigger only the rule they name; the remaining topic must still match the rule's filter.
 */
export function matchTelemetryRule(topic: string, rule: TelemetryRule = telemetryRule): RuleMatch | undefined {
  const basic = parseBasicIngestTopic(topic);
  if (basic) {
    if (basic.ruleName !== rule.ruleName || !topicMatchesFilter(basic.topic, rule.topicFilter)) return undefined;
    return { topic: basic.topic, partitionKey: evaluateSubstitutionTemplate(rule.partitionKeyTemplate, basic.topic), viaBasicIngest: true };
  }
  if (topic.startsWith('$') || !topicMatchesFilter(topic, rule.topicFilter)) return undefined;
  return { topic, partitionKey: evaluateSubstitutionTemplate(rule.partitionKeyTemplate, topic), viaBasicIngest: false };
}

/** The Kinesis partition key the rule computes for a (normal or Basic Ingest) telemetry topic. */
export function partitionKeyForTopic(topic: string): string | undefined {
  return matchTelemetryRule(topic)?.partitionKey;
}

/** The device id in a telemetry topic (either form), or undefined. */
export function deviceIdFromTelemetryTopic(topic: string): string | undefined {
  const match = matchTelemetryRule(topic);
  const id = match?.topic.split('/')[DEVICE_ID_TOPIC_LEVEL - 1];
  return id !== undefined && isDeviceId(id) ? id : undefined;
}

/**
 * What one device may do, as IoT policy resource patterns (`*` matches any characters, as in IoT
 * policies). `iotPolicyDocument` turns them into the policy; the local broker matches against them.
 */
export const devicePermissions = {
  publish: [topicTemplates.telemetry, topicTemplates.status, topicTemplates.basicIngestTelemetry],
  subscribe: [`${topicTemplates.commandPrefix}*`],
  receive: [`${topicTemplates.commandPrefix}*`],
} as const;

export type DeviceAction = keyof typeof devicePermissions;

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`);
}

/** Local evaluation of the policy for a connected device (its client id is its device id). */
export function isDeviceAllowed(
  action: DeviceAction,
  deviceId: string,
  topicOrFilter: string,
  ruleName: string = TELEMETRY_RULE_NAME,
): boolean {
  if (!isDeviceId(deviceId)) return false;
  return devicePermissions[action].some((template) =>
    globToRegExp(fillTopicTemplate(template, deviceId, ruleName)).test(topicOrFilter),
  );
}

/** Resolved by IoT Core to the thing attached to the certificate, which must equal the client id. */
export const THING_NAME_VARIABLE = '${iot:Connection.Thing.ThingName}';

export interface PolicyScope {
  readonly region: string;
  readonly account: string;
  readonly partition?: string;
  readonly ruleName?: string;
}

export interface PolicyStatement {
  readonly Effect: 'Allow';
  readonly Action: string;
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

/**
 * One IoT policy for every device: connect only as the thing the certificate is attached to
 * (client id = thing name = device id), publish only to its own topics (including Basic Ingest),
 * subscribe to and receive only its own commands. No `iot:RetainPublish`: telemetry is never retained.
 */
export function iotPolicyDocument(scope: PolicyScope): PolicyDocument {
  const ruleName = scope.ruleName ?? TELEMETRY_RULE_NAME;
  if (!isValidRuleName(ruleName)) throw new TypeError('not a valid IoT rule name');
  const arn = (resourceType: string, name: string) =>
    `arn:${scope.partition ?? 'aws'}:iot:${scope.region}:${scope.account}:${resourceType}/${name}`;
  const resources = (resourceType: string, templates: readonly string[]) =>
    templates.map((template) => arn(resourceType, fillTopicTemplate(template, THING_NAME_VARIABLE, ruleName)));
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: [arn('client', THING_NAME_VARIABLE)],
        // Without this, a certificate not attached to any thing could connect (the variable stays unresolved).
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: resources('topic', devicePermissions.publish) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: resources('topicfilter', devicePermissions.subscribe) },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: resources('topic', devicePermissions.receive) },
    ],
  };
}
