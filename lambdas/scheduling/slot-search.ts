import type { Practitioner } from '../records/model.js';
import type { Page } from '../records/dynamo-support.js';
import type { RecordsStore } from '../records/store.js';
import { NotFound, ValidationError } from '../shared/errors.js';
import type { AppointmentType } from './domain/appointment.js';
import { freeSlots, generateSlots, type Slot } from './domain/slots.js';
import { toUtcString } from './domain/time-zones.js';
import type { AppointmentStore, AvailabilityStore } from './ports.js';

/**
 * Free slots: generated from each practitioner's availability (domain/slots.ts), minus the intervals of their
 * appointments that still occupy time (agenda index, a key-range query). Advisory only — booking enforces freedom
 * with slot locks — so a slot shown here can still be taken by the time it is booked (409).
 */

/** A specialty search looks at this many practitioners at most; narrow it by facility for more. */
export const MAX_PRACTITIONERS_PER_SEARCH = 25;

export interface FreeSlot extends Slot {
  practitionerId: string;
}

export interface SlotQuery {
  practitionerId?: string;
  specialty?: string;
  facilityId?: string;
  from: Date;
  to: Date;
  type?: AppointmentType;
  limit: number;
  cursor?: string;
}

interface SlotCursor {
  start: string;
  practitionerId: string;
}

function encodeSlotCursor(slot: FreeSlot): string {
  return Buffer.from(JSON.stringify({ s: slot.start, p: slot.practitionerId }), 'utf8').toString('base64url');
}

function decodeSlotCursor(cursor: string | undefined): SlotCursor | undefined {
  if (cursor === undefined) return undefined;
  const invalid = new ValidationError('invalid cursor', [{ field: 'query.cursor', message: 'is not a cursor returned by this list' }]);
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw invalid;
    const { s, p } = parsed as Record<string, unknown>;
    if (typeof s !== 'string' || typeof p !== 'string' || Number.isNaN(Date.parse(s)) || !/^prac_[0-9A-HJKMNP-TV-Z]{26}$/.test(p)) throw invalid;
    return { start: s, practitionerId: p };
  } catch {
    throw invalid;
  }
}

function compareSlots(a: { start: string; practitionerId: string }, b: { start: string; practitionerId: string }): number {
  return Date.parse(a.start) - Date.parse(b.start) || (a.practitionerId < b.practitionerId ? -1 : a.practitionerId > b.practitionerId ? 1 : 0);
}

export class SlotSearch {
  constructor(
    private readonly records: RecordsStore,
    private readonly availability: AvailabilityStore,
    private readonly appointments: AppointmentStore,
    private readonly now: () => Date,
  ) {}

  async search(query: SlotQuery): Promise<Page<FreeSlot>> {
    const after = decodeSlotCursor(query.cursor);
    const practitioners = await this.practitioners(query);
    const availabilities = await this.availability.getMany(practitioners.map((practitioner) => practitioner.id));
    const range = { from: toUtcString(query.from), to: toUtcString(query.to) };
    const now = this.now();
    const perPractitioner = await Promise.all(
      practitioners.map(async (practitioner) => {
        const availability = availabilities.get(practitioner.id);
        if (!availability) return [];
        const slots = generateSlots(availability, { from: query.from, to: query.to }, { now, type: query.type });
        if (slots.length === 0) return [];
        const busy = await this.appointments.occupiedIntervals(practitioner.id, range);
        return freeSlots(slots, busy).map((slot) => ({ practitionerId: practitioner.id, ...slot }));
      }),
    );
    const all = perPractitioner.flat().sort(compareSlots);
    const remaining = after ? all.filter((slot) => compareSlots(slot, after) > 0) : all;
    const items = remaining.slice(0, query.limit);
    return remaining.length > query.limit ? { items, nextCursor: encodeSlotCursor(items[items.length - 1]!) } : { items };
  }

  private async practitioners(query: SlotQuery): Promise<Practitioner[]> {
    if (query.practitionerId) {
      const practitioner = await this.records.getPractitioner(query.practitionerId);
      if (!practitioner) throw new NotFound('practitioner not found');
      return [practitioner];
    }
    const found: Practitioner[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.records.listPractitioners(
        { specialty: query.specialty, facilityId: query.facilityId },
        { limit: MAX_PRACTITIONERS_PER_SEARCH - found.length, cursor },
      );
      found.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && found.length < MAX_PRACTITIONERS_PER_SEARCH);
    return found;
  }
}
