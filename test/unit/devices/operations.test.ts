/**
 * The devices operations with in-memory ports: the failure paths the local stack cannot easily provoke (a registry
 * write failing after the certificate exists, a retried registration of a deactivated device) and the
 * Idempotency-Key handling that keeps no private key.
 */
import { describe, expect, it } from 'vitest';
import { PatientAccess, type AccessDirectory } from '../../../lambdas/access/patient-access.js';
import type { ApiRequest, Caller } from '../../../lambdas/api/operation.js';
import type { AuditEntry, AuditLog } from '../../../lambdas/audit/audit-log.js';
import { createDevicesOperations } from '../../../lambdas/devices/operations.js';
import type { StoredDevice } from '../../../lambdas/devices/model.js';
import type { DeviceCredentials, DeviceProvisioner, DeviceRegistry } from '../../../lambdas/devices/ports.js';
import type { Patient } from '../../../lambdas/records/model.js';
import { Conflict, IdempotencyKeyReused } from '../../../lambdas/shared/errors.js';
import type { IdempotencyStore, StoredResponse } from '../../../lambdas/shared/idempotency.js';
import { newId } from '../../../lambdas/shared/ids.js';

const patientId = newId('pat');
const therapistId = newId('prac');
const therapist: Caller = { userId: 'therapist-1', role: 'therapist', groups: ['therapist'] };

class MemoryRegistry implements DeviceRegistry {
  readonly items = new Map<string, StoredDevice>();
  failCreate = false;
  async create(device: StoredDevice) {
    if (this.failCreate) throw new Error('ProvisionedThroughputExceededException');
    if (this.items.has(device.deviceId)) return false;
    this.items.set(device.deviceId, { ...device });
    return true;
  }
  async get(id: string) {
    return this.items.get(id);
  }
  async listByPatient(id: string) {
    return { items: [...this.items.values()].filter((device) => device.patientId === id) };
  }
  async deactivate(id: string, at: string) {
    const device = this.items.get(id);
    if (!device) return undefined;
    const updated = { ...device, status: 'inactive' as const, updatedAt: at, deactivatedAt: device.deactivatedAt ?? at };
    this.items.set(id, updated);
    return updated;
  }
  async replaceCertificate(id: string, from: string, to: string, at: string) {
    const device = this.items.get(id);
    if (!device || device.certificateId !== from || device.status !== 'active') return undefined;
    const updated = { ...device, certificateId: to, updatedAt: at };
    this.items.set(id, updated);
    return updated;
  }
}

class FakeProvisioner implements DeviceProvisioner {
  readonly active = new Set<string>();
  readonly deactivated: string[] = [];
  private counter = 0;
  private issue(): DeviceCredentials {
    const certificateId = String(++this.counter).padStart(64, '0');
    this.active.add(certificateId);
    return { certificateId, certificatePem: `CERT ${certificateId}`, privateKeyPem: `KEY ${certificateId}` };
  }
  async provision() {
    return this.issue();
  }
  async issueCertificate() {
    return this.issue();
  }
  async deactivate(_deviceId: string, certificateId: string) {
    this.active.delete(certificateId);
    this.deactivated.push(certificateId);
  }
  async endpoint() {
    return { host: 'broker.example', port: 8883, caCertificateUrl: 'https://ca.example/ca.pem' };
  }
}

class MemoryIdempotency implements IdempotencyStore {
  readonly items = new Map<string, { fingerprint: string; response?: StoredResponse }>();
  async begin(scope: string, key: string, fingerprint: string) {
    const item = this.items.get(`${scope}#${key}`);
    if (!item) {
      this.items.set(`${scope}#${key}`, { fingerprint });
      return undefined;
    }
    if (item.fingerprint !== fingerprint) throw new IdempotencyKeyReused('reused');
    if (!item.response) throw new Conflict('in progress');
    return item.response;
  }
  async complete(scope: string, key: string, response: StoredResponse) {
    this.items.get(`${scope}#${key}`)!.response = response;
  }
  async release(scope: string, key: string) {
    this.items.delete(`${scope}#${key}`);
  }
}

function setUp() {
  const registry = new MemoryRegistry();
  const provisioner = new FakeProvisioner();
  const idempotency = new MemoryIdempotency();
  const audit: AuditEntry[] = [];
  const log: AuditLog = { append: async (entry) => void audit.push(entry), listForPatient: async () => ({ items: [] }) };
  const directory: AccessDirectory = {
    getPatient: async (id) => (id === patientId ? ({ id, userId: 'patient-1' } as Patient) : undefined),
    getUserClaim: async (userId) => (userId === therapist.userId ? { userId, kind: 'practitioner', recordId: therapistId, claimedAt: '' } : undefined),
    getCareRelationship: async (pid, prac) => (pid === patientId && prac === therapistId ? { patientId: pid, practitionerId: prac, source: 'assigned', since: '' } : undefined),
  };
  const operations = createDevicesOperations({ registry, provisioner, access: new PatientAccess(directory), audit: log, idempotency, now: () => new Date('2026-11-21T10:00:00Z') });
  const request = (operationId: string, extra: Partial<ApiRequest>): ApiRequest => ({ requestId: 'r', operationId, caller: therapist, params: {}, query: {}, body: undefined, headers: {}, ...extra });
  const register = (headers: Record<string, string> = {}, body: unknown = { patientId, placements: ['right-shank'] }) => operations.registerDevice!(request('registerDevice', { body, headers }));
  return { registry, provisioner, idempotency, audit, operations, request, register };
}

describe('devices operations', () => {
  it('deactivates the certificate when the registry write fails, so no working credentials are left behind', async () => {
    const { registry, provisioner, register, audit } = setUp();
    registry.failCreate = true;
    await expect(register()).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(provisioner.active.size).toBe(0);
    expect(provisioner.deactivated).toHaveLength(1);
    expect(audit.map((entry) => entry.outcome)).toEqual(['error']);
  });

  it('keeps only the device id for an Idempotency-Key, and answers a retry with a fresh certificate for the same device', async () => {
    const { idempotency, provisioner, register } = setUp();
    const first = await register({ 'idempotency-key': 'k1' });
    const body = first.body as { id: string; credentials: DeviceCredentials };
    expect(JSON.stringify([...idempotency.items.values()])).not.toContain('KEY');
    expect([...idempotency.items.values()][0]!.response).toEqual({ status: 201, body: { deviceId: body.id } });

    const retry = await register({ 'idempotency-key': 'k1' });
    const retried = retry.body as { id: string; credentials: DeviceCredentials };
    expect(retry.headers).toEqual({ 'idempotent-replayed': 'true' });
    expect(retried.id).toBe(body.id);
    expect(retried.credentials.certificateId).not.toBe(body.credentials.certificateId);
    expect([...provisioner.active]).toEqual([retried.credentials.certificateId]);
    await expect(register({ 'idempotency-key': 'k1' }, { patientId, placements: ['trunk'] })).rejects.toBeInstanceOf(IdempotencyKeyReused);
  });

  it('frees the key when registration fails, so the retry can register', async () => {
    const { registry, register } = setUp();
    registry.failCreate = true;
    await expect(register({ 'idempotency-key': 'k2' })).rejects.toThrow();
    registry.failCreate = false;
    expect((await register({ 'idempotency-key': 'k2' })).status).toBe(201);
  });

  it('refuses a retried registration of a device deactivated meanwhile', async () => {
    const { operations, request, register } = setUp();
    const first = await register({ 'idempotency-key': 'k3' });
    const id = (first.body as { id: string }).id;
    await operations.deactivateDevice!(request('deactivateDevice', { params: { id } }));
    await expect(register({ 'idempotency-key': 'k3' })).rejects.toBeInstanceOf(Conflict);
  });

  it('deactivates idempotently, re-applying the certificate deactivation each time', async () => {
    const { operations, request, register, provisioner } = setUp();
    const created = (await register()).body as { id: string; certificateId: string };
    const first = await operations.deactivateDevice!(request('deactivateDevice', { params: { id: created.id } }));
    const second = await operations.deactivateDevice!(request('deactivateDevice', { params: { id: created.id } }));
    expect(first.body).toMatchObject({ status: 'inactive', deactivatedAt: '2026-11-21T10:00:00.000Z' });
    expect(second.body).toEqual(first.body);
    expect(provisioner.deactivated).toEqual([created.certificateId, created.certificateId]);
  });
});
