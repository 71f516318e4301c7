/**
 * The devices API on the local stack (local provisioner: local CA + local broker): registration returns working
 * credentials once; they connect as the device itself and nothing else; deactivation cuts the device off; access
 * follows the care team; everything is audited; no private key is ever stored.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/shared/ids.js';
import { DynamoDeviceDirectory, isCertificateActive } from '../../lambdas/telemetry/devices.js';
import { commandTopicFilter, telemetryTopic } from '../../lambdas/telemetry/topics.js';
import { World, type PatientActor, type PractitionerActor } from './scheduling-world.js';

interface Registration {
  id: string;
  patientId: string;
  status: string;
  certificateId: string;
  credentials: { certificateId: string; certificatePem: string; privateKeyPem: string };
  connection: { protocol: string; host: string; port: number; clientId: string; caCertificatePem: string; topics: Record<string, string> };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('devices API (local IoT provisioning)', () => {
  let world: World;
  let therapist: PractitionerActor;
  let outsider: PractitionerActor;
  let patient: PatientActor;
  let otherPatient: PatientActor;
  const clients: MqttClient[] = [];

  const connect = async (registration: Registration, clientId = registration.id, credentials = registration.credentials) => {
    const client = await mqtt.connectAsync(
      `mqtts://${registration.connection.host}:${registration.connection.port}`,
      {
        clientId,
        key: credentials.privateKeyPem,
        cert: credentials.certificatePem,
        ca: registration.connection.caCertificatePem,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      },
      false,
    );
    clients.push(client);
    return client;
  };
  const register = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    world.call<Registration & { errors: Array<{ field: string }> }>('POST', '/devices', { token, body, headers });

  beforeAll(async () => {
    world = await World.start();
    [therapist, outsider] = await Promise.all([
      world.practitioner({ role: 'therapist', specialties: ['physiotherapy'], availability: null }),
      world.practitioner({ role: 'clinician', availability: null }),
    ]);
    [patient, otherPatient] = await Promise.all([world.patient({ careTeam: [therapist.practitionerId] }), world.patient()]);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  });
  afterAll(async () => world?.close());

  it('registers a gateway for a care-team therapist: 201 with the device id and, once, working credentials', async () => {
    const { status, body } = await register(therapist.token, { patientId: patient.patientId, placements: ['right-upper-arm', 'right-forearm'], model: 'RehabHub 2', serialNumber: 'RH2-0001' });
    expect(status).toBe(201);
    expect(body.id).toMatch(/^dev_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(body).toMatchObject({ patientId: patient.patientId, status: 'active', placements: ['right-upper-arm', 'right-forearm'], model: 'RehabHub 2', serialNumber: 'RH2-0001' });
    expect(body.credentials.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(body.credentials.certificateId).toMatch(/^[0-9a-f]{64}$/);
    expect(body.certificateId).toBe(body.credentials.certificateId);
    expect(body.connection).toMatchObject({ protocol: 'mqtts', clientId: body.id, host: '127.0.0.1', port: Number(new URL(world.stack.endpoints.mqtt).port) });
    expect(body.connection.topics).toEqual({
      telemetry: `dt/rehab/${body.id}/imu`,
      telemetryBasicIngest: `$aws/rules/rehab_imu_to_kinesis/dt/rehab/${body.id}/imu`,
      status: `dt/rehab/${body.id}/status`,
      commands: `cmd/rehab/${body.id}/#`,
    });

    // The pipeline's view of the same item: the stream processor and the broker accept this certificate.
    const directory = new DynamoDeviceDirectory(world.stack.deps.dynamodb, world.stack.config.recordsTableName, { cacheMs: 0 });
    expect(await directory.get(body.id)).toEqual({ deviceId: body.id, patientId: patient.patientId, placements: ['right-upper-arm', 'right-forearm'], status: 'active', certificateId: body.certificateId });
    expect(await isCertificateActive(directory, body.certificateId, body.id)).toBe(true);

    // Reading it back never shows a key.
    const read = await world.call('GET', `/devices/${body.id}`, { token: therapist.token });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('credentials');
    expect(JSON.stringify(read.body)).not.toContain('PRIVATE KEY');
  });

  it('lets the credentials connect as the device itself, publish to its own topics, and nothing else', async () => {
    const { body: device } = await register(therapist.token, { patientId: patient.patientId, placements: ['right-thigh', 'right-shank'] });
    const { body: other } = await register(therapist.token, { patientId: patient.patientId, placements: ['left-upper-arm'] });

    const client = await connect(device);
    expect(client.connected).toBe(true);
    await client.publishAsync(device.connection.topics.status!, 'online', { qos: 1 });
    const [grant] = await client.subscribeAsync(commandTopicFilter(device.id), { qos: 1 });
    expect(grant!.qos).toBe(1);

    // Another device's telemetry topic: the broker refuses and drops the connection (MQTT 3.1.1, as IoT Core does).
    let closed = false;
    client.once('close', () => (closed = true));
    client.publish(telemetryTopic(other.id), Buffer.from('not yours'), { qos: 1 }, () => {});
    await until(() => (closed ? true : undefined), 'the broker to refuse the publish');

    // Connecting under another device's client id with these credentials is refused.
    await expect(connect(device, other.id)).rejects.toMatchObject({ code: 5 });
  });

  it('deactivates a gateway: the live connection is dropped and it cannot connect again; deactivating again is a no-op', async () => {
    const { body: device } = await register(therapist.token, { patientId: patient.patientId, placements: ['right-upper-arm'] });
    const client = await connect(device);
    let closed = false;
    client.once('close', () => (closed = true));

    const deleted = await world.call('DELETE', `/devices/${device.id}`, { token: therapist.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: device.id, status: 'inactive', deactivatedAt: expect.any(String) });
    await until(() => (closed ? true : undefined), 'the broker to drop the deactivated device');
    await expect(connect(device)).rejects.toMatchObject({ code: 5 });

    const again = await world.call('DELETE', `/devices/${device.id}`, { token: therapist.token });
    expect(again.status).toBe(200);
    expect(again.body.deactivatedAt).toBe(deleted.body.deactivatedAt);
    expect((await world.call('GET', `/devices/${device.id}`, { token: world.admin.token })).body.status).toBe('inactive');
  });

  it('answers a retried registration (same Idempotency-Key and body) for the same device with a new certificate, and refuses another body', async () => {
    const key = `retry-${newId('req')}`;
    const body = { patientId: patient.patientId, placements: ['left-thigh', 'left-shank'] };
    const first = await register(therapist.token, body, { 'idempotency-key': key });
    const retry = await register(therapist.token, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body.certificateId).not.toBe(first.body.certificateId);
    // The newest certificate works, the one from the lost answer does not.
    expect((await connect(retry.body)).connected).toBe(true);
    await expect(connect(first.body, first.body.id, first.body.credentials)).rejects.toMatchObject({ code: 5 });

    const list = await world.call('GET', `/devices?patientId=${patient.patientId}&limit=200`, { token: therapist.token });
    expect(list.body.items.filter((item: { id: string }) => item.id === first.body.id)).toHaveLength(1);

    const otherBody = await register(therapist.token, { ...body, placements: ['left-thigh'] }, { 'idempotency-key': key });
    expect(otherBody.status).toBe(422);
  });

  it("lists a patient's gateways, oldest first, page by page", async () => {
    const patientWithDevices = await world.patient({ careTeam: [therapist.practitionerId] });
    const ids: string[] = [];
    for (const placements of [['trunk'], ['left-forearm'], ['right-forearm']]) {
      ids.push((await register(world.admin.token, { patientId: patientWithDevices.patientId, placements })).body.id);
    }
    const first = await world.call('GET', `/devices?patientId=${patientWithDevices.patientId}&limit=2`, { token: therapist.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual(ids.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await world.call('GET', `/devices?patientId=${patientWithDevices.patientId}&limit=2&cursor=${first.body.nextCursor}`, { token: therapist.token });
    expect(second.body.items.map((item: { id: string }) => item.id)).toEqual(ids.slice(2));
    expect(second.body.nextCursor).toBeUndefined();
    // A cursor of another patient's list is refused.
    const foreign = await world.call('GET', `/devices?patientId=${patient.patientId}&limit=2&cursor=${first.body.nextCursor}`, { token: therapist.token });
    expect(foreign.status).toBe(400);
  });

  it('follows the care team: others get 404 (hidden like a missing device), patients 403, admins may', async () => {
    const { body: device } = await register(therapist.token, { patientId: patient.patientId, placements: ['trunk'] });
    const missing = await world.call('GET', `/devices/${newId('dev')}`, { token: outsider.token });
    const hidden = await world.call('GET', `/devices/${device.id}`, { token: outsider.token });
    expect(hidden.status).toBe(404);
    expect({ ...hidden.body, requestId: undefined }).toEqual({ ...missing.body, requestId: undefined });
    expect((await world.call('DELETE', `/devices/${device.id}`, { token: outsider.token })).status).toBe(404);
    expect((await register(outsider.token, { patientId: patient.patientId, placements: ['trunk'] })).status).toBe(404);
    expect((await world.call('GET', `/devices?patientId=${patient.patientId}`, { token: outsider.token })).status).toBe(404);
    expect((await register(therapist.token, { patientId: otherPatient.patientId, placements: ['trunk'] })).status).toBe(404);

    expect((await world.call('GET', `/devices/${device.id}`, { token: patient.token })).status).toBe(403);
    expect((await register(patient.token, { patientId: patient.patientId, placements: ['trunk'] })).status).toBe(403);

    expect((await world.call('GET', `/devices/${device.id}`, { token: world.admin.token })).status).toBe(200);
    expect((await register(world.admin.token, { patientId: otherPatient.patientId, placements: ['trunk'] })).status).toBe(201);
  });

  it('validates registrations field by field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ patientId: patient.patientId, placements: [] }, 'body.placements'],
      [{ patientId: patient.patientId, placements: ['trunk', 'left-thigh', 'left-shank'] }, 'body.placements'],
      [{ patientId: patient.patientId, placements: ['trunk', 'trunk'] }, 'body.placements'],
      [{ patientId: patient.patientId, placements: ['left-ear'] }, 'body.placements.0'],
      [{ patientId: 'pat_1', placements: ['trunk'] }, 'body.patientId'],
      [{ patientId: patient.patientId, placements: ['trunk'], serialNumber: 'has spaces and a name' }, 'body.serialNumber'],
      [{ patientId: patient.patientId, placements: ['trunk'], owner: 'x' }, 'body'],
    ];
    for (const [body, field] of cases) {
      const result = await register(therapist.token, body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
  });

  it('audits device operations in the patient trail, and stores no private key anywhere', async () => {
    const { body: device } = await register(therapist.token, { patientId: patient.patientId, placements: ['right-shank'] });
    await world.call('GET', `/devices/${device.id}`, { token: outsider.token });
    const trail = await world.call('GET', `/patients/${patient.patientId}/audit?limit=200`, { token: world.admin.token });
    expect(trail.status).toBe(200);
    const entries = trail.body.items as Array<{ action: string; resourceType: string; resourceId: string; outcome: string; actorId: string }>;
    expect(entries).toContainEqual(expect.objectContaining({ action: 'registerDevice', resourceType: 'device', resourceId: device.id, outcome: 'allowed', actorId: therapist.userId }));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'getDevice', resourceId: device.id, outcome: 'denied', actorId: outsider.userId }));

    for (const table of [world.stack.config.recordsTableName, world.stack.config.auditTableName]) {
      let start: Record<string, any> | undefined;
      do {
        const page = await world.stack.deps.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) expect(JSON.stringify(unmarshall(item))).not.toContain('PRIVATE KEY');
        start = page.LastEvaluatedKey;
      } while (start);
    }
  });
});
