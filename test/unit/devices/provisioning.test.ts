import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeEndpointCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { deviceItem } from '../../../lambdas/devices/dynamo-registry.js';
import { AMAZON_ROOT_CA_URL, IotDeviceProvisioner } from '../../../lambdas/devices/iot-provisioner.js';
import { LocalDeviceProvisioner } from '../../../lambdas/devices/local-provisioner.js';
import { deviceView, type StoredDevice } from '../../../lambdas/devices/model.js';
import { createDeviceBody, SEGMENTS } from '../../../lambdas/devices/schemas.js';
import { DEVICES_ENV, devicesSettingsFrom } from '../../../lambdas/devices/settings.js';
import { isSegment } from '../../../lambdas/rehab/exercises.js';
import { newId } from '../../../lambdas/shared/ids.js';
import { telemetryKeys } from '../../../lambdas/telemetry/keys.js';

type Sent = { name: string; input: Record<string, unknown> };

/** An IoT client that records commands and answers from a script. */
function fakeIot(answers: Partial<Record<string, (input: Record<string, unknown>) => unknown>> = {}): { client: IoTClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      sent.push({ name, input: command.input });
      const answer = answers[name];
      if (answer) return answer(command.input);
      if (name === 'CreateKeysAndCertificateCommand') {
        return { certificateArn: 'arn:aws:iot:us-east-1:123456789012:cert/abc', certificateId: 'a'.repeat(64), certificatePem: 'CERT', keyPair: { PrivateKey: 'KEY', PublicKey: 'PUB' } };
      }
      if (name === 'DescribeEndpointCommand') return { endpointAddress: 'xyz-ats.iot.us-east-1.amazonaws.com' };
      return {};
    },
  } as unknown as IoTClient;
  return { client, sent };
}

describe('IoT provisioner (AWS adapter)', () => {
  const deviceId = newId('dev');

  it('creates the thing, an active certificate with the device policy, attached exclusively to the thing', async () => {
    const { client, sent } = fakeIot();
    const credentials = await new IotDeviceProvisioner(client, 'telehealth-dev-device').provision(deviceId);
    expect(credentials).toEqual({ certificateId: 'a'.repeat(64), certificatePem: 'CERT', privateKeyPem: 'KEY' });
    expect(sent.map((command) => command.name)).toEqual([CreateThingCommand.name, CreateKeysAndCertificateCommand.name, AttachPolicyCommand.name, AttachThingPrincipalCommand.name]);
    expect(sent[0]!.input).toEqual({ thingName: deviceId });
    expect(sent[1]!.input).toEqual({ setAsActive: true });
    expect(sent[2]!.input).toEqual({ policyName: 'telehealth-dev-device', target: 'arn:aws:iot:us-east-1:123456789012:cert/abc' });
    expect(sent[3]!.input).toEqual({ thingName: deviceId, principal: 'arn:aws:iot:us-east-1:123456789012:cert/abc', thingPrincipalType: 'EXCLUSIVE_THING' });
  });

  it('deactivates a certificate it could not finish setting up, and reports the failure', async () => {
    const { client, sent } = fakeIot({
      AttachThingPrincipalCommand: () => {
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      },
    });
    await expect(new IotDeviceProvisioner(client, 'p').provision(deviceId)).rejects.toThrow('throttled');
    expect(sent.at(-1)).toEqual({ name: UpdateCertificateCommand.name, input: { certificateId: 'a'.repeat(64), newStatus: 'INACTIVE' } });
  });

  it('deactivates with UpdateCertificate INACTIVE and looks the ATS endpoint up once', async () => {
    const { client, sent } = fakeIot();
    const provisioner = new IotDeviceProvisioner(client, 'p');
    await provisioner.deactivate(deviceId, 'b'.repeat(64));
    expect(sent).toEqual([{ name: UpdateCertificateCommand.name, input: { certificateId: 'b'.repeat(64), newStatus: 'INACTIVE' } }]);
    expect(await provisioner.endpoint()).toEqual({ host: 'xyz-ats.iot.us-east-1.amazonaws.com', port: 8883, caCertificateUrl: AMAZON_ROOT_CA_URL });
    await provisioner.endpoint();
    expect(sent.filter((command) => command.name === DescribeEndpointCommand.name)).toHaveLength(1);
    expect(sent.find((command) => command.name === DescribeEndpointCommand.name)!.input).toEqual({ endpointType: 'iot:Data-ATS' });
    // A configured endpoint needs no lookup.
    const configured = fakeIot();
    expect((await new IotDeviceProvisioner(configured.client, 'p', 'configured.example').endpoint()).host).toBe('configured.example');
    expect(configured.sent).toEqual([]);
  });

  it('reads its settings from the environment and refuses a missing policy name', () => {
    expect(devicesSettingsFrom({ [DEVICES_ENV.devicePolicyName]: 'telehealth-dev-device' })).toEqual({ devicePolicyName: 'telehealth-dev-device' });
    expect(devicesSettingsFrom({ [DEVICES_ENV.devicePolicyName]: 'p', [DEVICES_ENV.iotEndpoint]: 'abc-ats.iot.eu-west-1.amazonaws.com' }).iotEndpoint).toBe('abc-ats.iot.eu-west-1.amazonaws.com');
    expect(() => devicesSettingsFrom({})).toThrow(DEVICES_ENV.devicePolicyName);
    expect(() => devicesSettingsFrom({ [DEVICES_ENV.devicePolicyName]: 'bad name' })).toThrow(DEVICES_ENV.devicePolicyName);
  });
});

describe('local provisioner', () => {
  it('issues from the local CA, disconnects at the broker and points at the broker with its CA', async () => {
    const disconnected: string[] = [];
    const provisioner = new LocalDeviceProvisioner(
      { issueDeviceCertificate: async (id) => ({ certificateId: 'c'.repeat(64), certificatePem: `CERT ${id}`, privateKeyPem: 'KEY' }) },
      { url: 'mqtts://127.0.0.1:8883', caCertificatePem: 'LOCAL CA', disconnectDevice: async (id) => (disconnected.push(id), true) },
    );
    const deviceId = newId('dev');
    expect(await provisioner.provision(deviceId)).toEqual({ certificateId: 'c'.repeat(64), certificatePem: `CERT ${deviceId}`, privateKeyPem: 'KEY' });
    await provisioner.deactivate(deviceId);
    expect(disconnected).toEqual([deviceId]);
    expect(await provisioner.endpoint()).toEqual({ host: '127.0.0.1', port: 8883, caCertificatePem: 'LOCAL CA' });
  });
});

describe('device registry item and view', () => {
  const device: StoredDevice = {
    deviceId: newId('dev'),
    patientId: newId('pat'),
    placements: ['right-thigh', 'right-shank'],
    status: 'active',
    certificateId: 'd'.repeat(64),
    serialNumber: 'RH2-1',
    createdAt: '2026-11-21T10:00:00.000Z',
    updatedAt: '2026-11-21T10:00:00.000Z',
  };

  it('stores the item the telemetry pipeline reads (putDevice shape), plus the patient index', () => {
    const item = deviceItem(device);
    expect(item).toMatchObject({ ...telemetryKeys.device(device.deviceId), entity: 'device', deviceId: device.deviceId, patientId: device.patientId, status: 'active', certificateId: device.certificateId });
    expect(item).toMatchObject({ gsi1pk: `PATIENT#${device.patientId}#DEVICES`, gsi1sk: device.deviceId });
    expect(() => marshall(item, { removeUndefinedValues: true })).not.toThrow();
  });

  it('shows the device under its id without storage attributes', () => {
    expect(deviceView(device)).toEqual({
      id: device.deviceId,
      patientId: device.patientId,
      placements: ['right-thigh', 'right-shank'],
      status: 'active',
      serialNumber: 'RH2-1',
      certificateId: device.certificateId,
      createdAt: device.createdAt,
      updatedAt: device.updatedAt,
    });
  });

  it('accepts one or two distinct catalogue segments', () => {
    expect(SEGMENTS.every(isSegment)).toBe(true);
    const patientId = newId('pat');
    expect(createDeviceBody.safeParse({ patientId, placements: ['trunk'] }).success).toBe(true);
    expect(createDeviceBody.safeParse({ patientId, placements: ['left-upper-arm', 'left-forearm'], model: 'RehabHub 2' }).success).toBe(true);
    expect(createDeviceBody.safeParse({ patientId, placements: ['left-upper-arm', 'left-upper-arm'] }).success).toBe(false);
    expect(createDeviceBody.safeParse({ patientId, placements: ['left-knee'] }).success).toBe(false);
    expect(createDeviceBody.safeParse({ patientId, placements: [] }).success).toBe(false);
    expect(createDeviceBody.safeParse({ patientId, placements: ['trunk'], model: 'x'.repeat(65) }).success).toBe(false);
  });
});
