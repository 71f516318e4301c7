/**
 * Provisioning simulated gateways through the devices API (POST /devices), and keeping their credentials in a folder
 * (one sub-folder per device: certificate, private key, CA, device.json) so a later run can reuse them.
 * `--provision N` first creates a demo facility and N demo patients (admin token).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Segment } from '../lambdas/rehab/exercises.js';
import type { DeviceConnection } from './gateway.js';

export interface RegisteredDevice extends DeviceConnection {
  readonly patientId: string;
  readonly placements: readonly Segment[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiTarget {
  /** e.g. http://127.0.0.1:3000 */
  readonly baseUrl: string;
  readonly token: string;
}

async function call<T>(api: ApiTarget, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(new URL(path, api.baseUrl), {
    method,
    headers: { authorization: `Bearer ${api.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const problem = parsed as { title?: string; detail?: string; errors?: { field: string; message: string }[] } | undefined;
    const reasons = problem?.errors?.map((error) => `${error.field} ${error.message}`).join('; ');
    throw new ApiError(response.status, `${method} ${path}: ${response.status} ${problem?.detail ?? problem?.title ?? ''}${reasons ? ` (${reasons})` : ''}`);
  }
  return parsed as T;
}

interface RegistrationBody {
  id: string;
  patientId: string;
  placements: Segment[];
  credentials: { certificateId: string; certificatePem: string; privateKeyPem: string };
  connection: { host: string; port: number; clientId: string; caCertificatePem?: string; caCertificateUrl?: string };
}

/** Registers one gateway; the answer holds its private key, this once. */
export async function registerDevice(api: ApiTarget, request: { patientId: string; placements: readonly Segment[]; model?: string; serialNumber?: string; idempotencyKey?: string }): Promise<RegisteredDevice> {
  const body = await call<RegistrationBody>(
    api,
    'POST',
    '/devices',
    { patientId: request.patientId, placements: request.placements, model: request.model ?? 'SimGateway', ...(request.serialNumber ? { serialNumber: request.serialNumber } : {}) },
    request.idempotencyKey ? { 'idempotency-key': request.idempotencyKey } : {},
  );
  return {
    deviceId: body.id,
    patientId: body.patientId,
    placements: body.placements,
    host: body.connection.host,
    port: body.connection.port,
    certificatePem: body.credentials.certificatePem,
    privateKeyPem: body.credentials.privateKeyPem,
    ...(body.connection.caCertificatePem ? { caCertificatePem: body.connection.caCertificatePem } : {}),
  };
}

/** A demo clinic and `count` demo patients (no real data: names and contacts are placeholders). Needs an admin token. */
export async function createDemoPatients(api: ApiTarget, count: number, label = `sim-${Date.now().toString(36)}`): Promise<string[]> {
  const facility = await call<{ id: string }>(api, 'POST', '/facilities', { name: 'Simulated Rehab Clinic', kind: 'hub', timeZone: 'UTC' });
  return mapLimit(Array.from({ length: count }, (_, index) => index), 8, async (index) => {
    const patient = await call<{ id: string }>(api, 'POST', '/patients', {
      name: { given: 'Demo', family: `Patient ${index + 1}` },
      birthDate: '1960-01-01',
      contact: { phone: '+15550100000' },
      preferredLanguage: 'en',
      homeFacilityId: facility.id,
      userId: `${label}-patient-${index + 1}`,
    });
    return patient.id;
  });
}

/** Runs `work` over the items, at most `limit` at once, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Keys readable by the owner only. */
export async function saveCredentials(dir: string, device: RegisteredDevice): Promise<void> {
  const folder = join(dir, device.deviceId);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await writeFile(join(folder, 'certificate.pem'), device.certificatePem, { mode: 0o600 });
  await writeFile(join(folder, 'private-key.pem'), device.privateKeyPem, { mode: 0o600 });
  if (device.caCertificatePem) await writeFile(join(folder, 'ca.pem'), device.caCertificatePem, { mode: 0o600 });
  const { certificatePem: _c, privateKeyPem: _k, caCertificatePem: _ca, ...rest } = device;
  await writeFile(join(folder, 'device.json'), `${JSON.stringify(rest, null, 2)}\n`, { mode: 0o600 });
}

export async function loadCredentials(dir: string): Promise<RegisteredDevice[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory() && entry.name.startsWith('dev_')).sort((a, b) => a.name.localeCompare(b.name));
  return Promise.all(
    entries.map(async (entry) => {
      const folder = join(dir, entry.name);
      const meta = JSON.parse(await readFile(join(folder, 'device.json'), 'utf8')) as Omit<RegisteredDevice, 'certificatePem' | 'privateKeyPem' | 'caCertificatePem'>;
      const ca = await readFile(join(folder, 'ca.pem'), 'utf8').catch(() => undefined);
      return {
        ...meta,
        certificatePem: await readFile(join(folder, 'certificate.pem'), 'utf8'),
        privateKeyPem: await readFile(join(folder, 'private-key.pem'), 'utf8'),
        ...(ca ? { caCertificatePem: ca } : {}),
      };
    }),
  );
}

/**
 * The sequence number a gateway uses next, kept beside its credentials: the wire format requires seq to increase
 * across sessions and restarts (a reused number is dropped as a duplicate), as a real gateway keeps it in flash.
 */
export async function loadNextSeq(dir: string, deviceId: string): Promise<number> {
  const text = await readFile(join(dir, deviceId, 'next-seq'), 'utf8').catch(() => undefined);
  const value = Number(text?.trim());
  return Number.isInteger(value) && value >= 1 && value <= 0xffffffff ? value : 1;
}

export async function saveNextSeq(dir: string, deviceId: string, nextSeq: number): Promise<void> {
  await mkdir(join(dir, deviceId), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, deviceId, 'next-seq'), `${nextSeq}\n`, { mode: 0o600 });
}
