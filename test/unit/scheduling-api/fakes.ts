import { randomUUID } from 'node:crypto';
import type { Page, PageRequest } from '../../../lambdas/records/dynamo-support.js';
import type { Interval, LockHolder, PendingMove, StoredAppointment } from '../../../lambdas/scheduling/model.js';
import { isOccupying } from '../../../lambdas/scheduling/model.js';
import type { AppointmentStore, SlotLockStore, StartRange } from '../../../lambdas/scheduling/ports.js';

/**
 * Test-only in-memory stores with the same one-item conditional semantics as the DynamoDB adapters. Every call yields
 * to the event loop first, so concurrent callers interleave between database calls as they do over the network.
 */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const clone = <T>(value: T): T => structuredClone(value);

export class MemoryAppointments implements AppointmentStore {
  readonly items = new Map<string, StoredAppointment>();

  async get(id: string) {
    await tick();
    const item = this.items.get(id);
    return item && clone(item);
  }

  async createPending(appointment: StoredAppointment) {
    await tick();
    if (this.items.has(appointment.id)) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    this.items.set(appointment.id, clone(appointment));
  }

  private change(id: string, when: (item: StoredAppointment) => boolean, apply: (item: StoredAppointment) => void) {
    const item = this.items.get(id);
    if (!item || !when(item)) return undefined;
    apply(item);
    return clone(item);
  }

  async confirm(appointment: StoredAppointment, now: Date) {
    await tick();
    return this.change(appointment.id, (item) => item.status === 'pending', (item) => {
      item.status = 'booked';
      item.version = 1;
      item.updatedAt = now.toISOString();
      delete item.pendingSince;
    });
  }

  async abandon(id: string, pendingSince: string, now: Date) {
    await tick();
    return (
      this.change(id, (item) => item.status === 'pending' && item.pendingSince === pendingSince, (item) => {
        item.status = 'abandoned';
        item.updatedAt = now.toISOString();
      }) !== undefined
    );
  }

  async beginMove(appointment: StoredAppointment, move: PendingMove, now: Date) {
    await tick();
    return this.change(appointment.id, (item) => item.version === appointment.version && item.status === appointment.status, (item) => {
      item.pendingMove = clone(move);
      item.version += 1;
      item.updatedAt = now.toISOString();
    });
  }

  async clearMove(id: string, moveId: string) {
    await tick();
    return this.change(id, (item) => item.pendingMove?.moveId === moveId, (item) => delete item.pendingMove) !== undefined;
  }

  async completeMove(appointment: StoredAppointment, move: PendingMove, now: Date) {
    await tick();
    return this.change(appointment.id, (item) => item.version === appointment.version && item.pendingMove?.moveId === move.moveId, (item) => {
      item.start = move.start;
      item.end = move.end;
      item.localStart = move.localStart;
      item.status = 'booked';
      item.version += 1;
      item.updatedAt = now.toISOString();
      delete item.pendingMove;
      delete item.checkedInAt;
    });
  }

  async update(appointment: StoredAppointment, changes: Partial<StoredAppointment>, now: Date) {
    await tick();
    return this.change(appointment.id, (item) => item.version === appointment.version && item.status === appointment.status, (item) => {
      Object.assign(item, clone(changes), { version: item.version + 1, updatedAt: now.toISOString() });
    });
  }

  private list(filter: (item: StoredAppointment) => boolean, range: StartRange, page: PageRequest): Page<StoredAppointment> {
    const items = [...this.items.values()]
      .filter((item) => item.status !== 'pending' && item.status !== 'abandoned')
      .filter(filter)
      .filter((item) => (range.from === undefined || item.start >= range.from) && (range.to === undefined || item.start < range.to))
      .sort((a, b) => a.start.localeCompare(b.start));
    return { items: items.slice(0, page.limit).map(clone) };
  }

  async listByPatient(patientId: string, range: StartRange, page: PageRequest) {
    await tick();
    return this.list((item) => item.patientId === patientId, range, page);
  }

  async listByPractitioner(practitionerId: string, range: StartRange, page: PageRequest) {
    await tick();
    return this.list((item) => item.practitionerId === practitionerId, range, page);
  }

  async occupiedIntervals(practitionerId: string, range: Required<StartRange>): Promise<Interval[]> {
    await tick();
    return [...this.items.values()]
      .filter((item) => item.practitionerId === practitionerId && isOccupying(item.status) && item.start < range.to && item.end > range.from)
      .map((item) => ({ start: item.start, end: item.end }));
  }

  /** Appointments that hold time, for invariant checks. */
  live(): StoredAppointment[] {
    return [...this.items.values()].filter((item) => isOccupying(item.status));
  }
}

export class MemoryLocks implements SlotLockStore {
  readonly items = new Map<string, LockHolder>();
  /** Set to make the next N calls of a method fail, simulating a crash at that point. */
  failNext: { method: 'acquire' | 'takeOver' | 'release'; remaining: number } | undefined;

  private maybeFail(method: 'acquire' | 'takeOver' | 'release') {
    if (this.failNext?.method === method && this.failNext.remaining > 0) {
      this.failNext.remaining -= 1;
      throw new Error(`simulated ${method} failure`);
    }
  }

  async acquire(lockKey: string, appointmentId: string) {
    await tick();
    this.maybeFail('acquire');
    const existing = this.items.get(lockKey);
    if (existing) return { acquired: false as const, holder: { ...existing } };
    this.items.set(lockKey, { appointmentId, token: randomUUID() });
    return { acquired: true as const };
  }

  async takeOver(lockKey: string, seen: LockHolder, appointmentId: string) {
    await tick();
    this.maybeFail('takeOver');
    const existing = this.items.get(lockKey);
    if (!existing || existing.appointmentId !== seen.appointmentId || existing.token !== seen.token) return false;
    this.items.set(lockKey, { appointmentId, token: randomUUID() });
    return true;
  }

  async release(lockKey: string, appointmentId: string) {
    await tick();
    this.maybeFail('release');
    if (this.items.get(lockKey)?.appointmentId === appointmentId) this.items.delete(lockKey);
  }

  heldBy(appointmentId: string): string[] {
    return [...this.items].filter(([, holder]) => holder.appointmentId === appointmentId).map(([key]) => key).sort();
  }
}

/** A controllable clock. */
export function clock(start = '2026-03-01T08:00:00Z') {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}
