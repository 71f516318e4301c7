import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../lambdas/api/roles.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

/**
 * A local stack with a small network for integration tests: an admin, facilities, practitioners with availability
 * around the clock (UTC, 30-minute slots) and patients, plus an HTTP client. Each test file starts its own.
 */

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A raw body, sent as is (for malformed JSON). */
  rawBody?: string;
}

export const HALF_HOUR_MS = 30 * 60_000;

/** Every day, all day, 30-minute slots without buffer: any half hour from tomorrow on is a slot. */
export const ROUND_THE_CLOCK = {
  rules: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00', slotMinutes: 30 }],
  exceptions: [],
};

let userCounter = 0;
export function newUserId(label: string): string {
  userCounter += 1;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${userCounter}`;
}

export interface Actor {
  userId: string;
  role: Role;
  token: string;
}

export interface PractitionerActor extends Actor {
  practitionerId: string;
}

export interface PatientActor extends Actor {
  patientId: string;
}

export class World {
  private slotCursor = 0;
  /** The first slot start handed out: tomorrow 00:00 UTC, clear of "now" whatever the time of day. */
  readonly base: number;

  private constructor(
    readonly stack: LocalStack,
    private readonly dataDir: string,
    readonly admin: Actor,
    readonly hubId: string,
    readonly spokeId: string,
  ) {
    const now = new Date();
    this.base = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  }

  static async start(): Promise<World> {
    const dataDir = await mkdtemp(join(tmpdir(), 'th-'));
    const stack = await startLocalStack({ dataDir });
    try {
      const adminId = newUserId('admin');
      const admin: Actor = { userId: adminId, role: 'admin', token: await stack.issuer.issue({ sub: adminId, role: 'admin' }) };
      const world = new World(stack, dataDir, admin, '', '');
      const hub = await world.ok(201, 'POST', '/facilities', { token: admin.token, body: { name: 'Central Hospital', kind: 'hub', timeZone: 'UTC' } });
      const spoke = await world.ok(201, 'POST', '/facilities', {
        token: admin.token,
        body: { name: 'Hill Clinic', kind: 'spoke', hubIds: [hub.id], timeZone: 'UTC' },
      });
      return Object.assign(world, { hubId: hub.id as string, spokeId: spoke.id as string });
    } catch (error) {
      await stack.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.stack.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`${this.stack.endpoints.http}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  /** Calls and insists on `status`, showing the problem body when it differs. */
  async ok<T = any>(status: number, method: string, path: string, options: CallOptions = {}): Promise<T> {
    const result = await this.call<T>(method, path, options);
    if (result.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }

  async token(userId: string, role: Role): Promise<string> {
    return this.stack.issuer.issue({ sub: userId, role });
  }

  async practitioner(
    options: { role?: 'clinician' | 'therapist'; specialties?: string[]; facilityId?: string; timeZone?: string; availability?: unknown | null } = {},
  ): Promise<PractitionerActor> {
    const role = options.role ?? 'clinician';
    const userId = newUserId(role);
    const created = await this.ok(201, 'POST', '/practitioners', {
      token: this.admin.token,
      body: {
        name: { given: 'Test', family: 'Practitioner' },
        role,
        specialties: options.specialties ?? ['general-practice'],
        facilityId: options.facilityId ?? this.hubId,
        languages: ['en'],
        timeZone: options.timeZone ?? 'UTC',
        userId,
      },
    });
    if (options.availability !== null) {
      await this.ok(200, 'PUT', `/practitioners/${created.id}/availability`, { token: this.admin.token, body: options.availability ?? ROUND_THE_CLOCK });
    }
    return { userId, role, token: await this.token(userId, role), practitionerId: created.id };
  }

  async patient(options: { careTeam?: string[] } = {}): Promise<PatientActor> {
    const userId = newUserId('patient');
    const created = await this.ok(201, 'POST', '/patients', {
      token: this.admin.token,
      body: {
        name: { given: 'Test', family: 'Patient' },
        birthDate: '1970-01-01',
        contact: { email: 'patient@example.org' },
        preferredLanguage: 'en',
        homeFacilityId: this.spokeId,
        userId,
      },
    });
    for (const practitionerId of options.careTeam ?? []) {
      await this.ok(201, 'POST', `/patients/${created.id}/care-team`, { token: this.admin.token, body: { practitionerId } });
    }
    return { userId, role: 'patient', token: await this.token(userId, 'patient'), patientId: created.id };
  }

  /** A fresh half-hour slot start (tomorrow onwards), never handed out twice in this world. */
  nextSlot(): string {
    const start = new Date(this.base + this.slotCursor * HALF_HOUR_MS);
    this.slotCursor += 1;
    return start.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  async book(patient: { patientId: string }, practitioner: { practitionerId: string }, start = this.nextSlot(), token = this.admin.token): Promise<any> {
    return this.ok(201, 'POST', '/appointments', {
      token,
      body: { patientId: patient.patientId, practitionerId: practitioner.practitionerId, start, type: 'video' },
    });
  }
}

/** Scans the records table for items whose pk starts with a prefix: for assertions only, never on a request path. */
export async function countItems(world: World, pkPrefix: string): Promise<number> {
  const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
  let count = 0;
  let start: Record<string, any> | undefined;
  do {
    const page = await world.stack.deps.dynamodb.send(
      new ScanCommand({
        TableName: world.stack.config.recordsTableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: pkPrefix } },
        ExclusiveStartKey: start,
      }),
    );
    count += page.Items?.length ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}
