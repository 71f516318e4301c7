import type { z } from 'zod';
import type { PatientAccess } from '../access/patient-access.js';
import { decidePatientAccess, type AccessFacts, type PatientAction } from '../access/policy.js';
import { callerOf, type ApiRequest, type ApiResponse, type Caller, type Operations } from '../api/operation.js';
import type { AuditLog } from '../audit/audit-log.js';
import { auditEach, audited, type Auditing } from '../audit/audited.js';
import type { RecordsStore } from '../records/store.js';
import { Conflict, Forbidden, NotFound, ValidationError, type FieldError } from '../shared/errors.js';
import type { BookingService } from './booking.js';
import { allowedActions, transition, type AppointmentAction, type AppointmentStatus } from './domain/appointment.js';
import { availabilityErrors, type Availability } from './domain/availability.js';
import { toIntakeRecord } from './domain/intake.js';
import { isBookableStart, type Slot } from './domain/slots.js';
import { toUtcString } from './domain/time-zones.js';
import { isLifecycleStatus, type StoredAppointment, type StoredAvailability } from './model.js';
import type { AppointmentStore, AvailabilityStore } from './ports.js';
import type {
  cancelAppointmentBody,
  checkInBody,
  createAppointmentBody,
  listAppointmentsQuery,
  putAvailabilityBody,
  rescheduleAppointmentBody,
  searchSlotsQuery,
} from './schemas.js';
import type { SlotSearch } from './slot-search.js';

export interface SchedulingPorts {
  readonly records: RecordsStore;
  readonly access: PatientAccess;
  readonly audit: AuditLog;
  readonly appointments: AppointmentStore;
  readonly availability: AvailabilityStore;
  readonly booking: BookingService;
  readonly slots: SlotSearch;
  readonly now: () => Date;
}

const APPOINTMENT_NOT_FOUND = 'appointment not found';

/** The API's view of an appointment: storage fields dropped; intake answers only for those who may read clinical data. */
export function appointmentView(appointment: StoredAppointment, options: { clinical: boolean }) {
  const { pendingSince: _pendingSince, pendingMove: _pendingMove, bookedBy: _bookedBy, intake, ...rest } = appointment;
  const status = appointment.status;
  return {
    ...rest,
    allowedActions: isLifecycleStatus(status) ? allowedActions(status) : [],
    ...(options.clinical && intake ? { intake } : {}),
  };
}

function availabilityView(availability: StoredAvailability): ApiResponse {
  return { status: 200, body: availability, headers: { etag: `"${availability.version}"` } };
}

/** If-Match: absent (create), `*` (whatever exists), or the version as a quoted (possibly weak) entity tag. */
function parseIfMatch(header: string | undefined): number | '*' | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value);
  if (!match) throw new ValidationError('invalid If-Match', [{ field: 'header.if-match', message: 'must be the version from the ETag, e.g. "3"' }]);
  return Number(match[1]);
}

/** Domain field paths (`rules[1].end`) in the same form as schema errors (`body.rules.1.end`). */
function bodyFieldErrors(errors: readonly FieldError[]): FieldError[] {
  return errors.map((error) => ({ field: ['body', ...error.field.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean)].join('.'), message: error.message }));
}

export function createSchedulingOperations(ports: SchedulingPorts): Operations {
  const { records, access, appointments, availability, booking, now } = ports;
  const auditing: Auditing = { log: ports.audit, now };

  async function requirePractitioner(id: string) {
    const practitioner = await records.getPractitioner(id);
    if (!practitioner) throw new NotFound('practitioner not found');
    return practitioner;
  }

  /** A slot of the practitioner's availability starting exactly at `start`, bookable for `type`, not in the past. */
  function bookableSlotOf(stored: StoredAvailability | undefined, start: string, type: StoredAppointment['type']): Slot {
    const slot = stored ? isBookableStart(stored, new Date(start), { now: now(), type }) : null;
    if (!slot) throw new Conflict('start is not a slot of this practitioner for this type of appointment (or it is past)');
    return slot;
  }

  async function bookableSlot(practitionerId: string, start: string, type: StoredAppointment['type']): Promise<Slot> {
    return bookableSlotOf(await availability.get(practitionerId), start, type);
  }

  /** Loads a live appointment and checks the caller may do `action` for its patient; audits through `target`. */
  async function loadAppointment(request: ApiRequest, action: PatientAction, target: { patientId?: string }) {
    const appointment = await appointments.get(request.params.id!);
    if (!appointment || !isLifecycleStatus(appointment.status)) throw new NotFound(APPOINTMENT_NOT_FOUND);
    target.patientId = appointment.patientId;
    const { facts } = await access.requirePatient(callerOf(request), appointment.patientId, action, {
      appointmentPractitionerId: appointment.practitionerId,
      hiddenAs: APPOINTMENT_NOT_FOUND,
    });
    return { appointment, facts };
  }

  const clinical = (facts: AccessFacts) => decidePatientAccess(facts, 'read-clinical') === 'allow';

  /** A lifecycle action on one appointment: load, authorize, transition, conditional update, audit. */
  function lifecycle(
    action: AppointmentAction,
    patientAction: PatientAction,
    apply: (appointment: StoredAppointment, request: ApiRequest) => Promise<StoredAppointment>,
    appointmentAction?: 'conduct' | 'mark-no-show',
  ) {
    return (request: ApiRequest) =>
      audited(auditing, request, { resourceType: 'appointment', resourceId: request.params.id }, async (target) => {
        const { appointment, facts } = await loadAppointment(request, patientAction, target);
        // Who first, then whether: a caller without the right learns nothing about the appointment's state.
        if (appointmentAction) access.requireAppointmentAction(facts, appointmentAction, APPOINTMENT_NOT_FOUND);
        transition(appointment.status as AppointmentStatus, action);
        const updated = await apply(appointment, request);
        return { status: 200, body: appointmentView(updated, { clinical: clinical(facts) }) };
      });
  }

  const changedMeanwhile = () => new Conflict('the appointment changed meanwhile; fetch it and try again');

  return {
    getAvailability: async (request) => {
      await requirePractitioner(request.params.id!);
      const stored = await availability.get(request.params.id!);
      if (!stored) throw new NotFound('this practitioner has no availability yet');
      return availabilityView(stored);
    },

    putAvailability: async (request) => {
      const caller = callerOf(request);
      const body = request.body as z.infer<typeof putAvailabilityBody>;
      const practitioner = await requirePractitioner(request.params.id!);
      if (caller.role !== 'admin' && caller.userId !== practitioner.userId) throw new Forbidden('only the practitioner or an admin sets availability');
      if (body.timeZone !== undefined && body.timeZone !== practitioner.timeZone) {
        throw new ValidationError('invalid body', [{ field: 'body.timeZone', message: "must be the practitioner's time zone (or left out)" }]);
      }
      const expectedVersion = parseIfMatch(request.headers['if-match']);
      const document: Availability = { timeZone: practitioner.timeZone, rules: body.rules, exceptions: body.exceptions };
      const errors = availabilityErrors(document);
      if (errors.length > 0) throw new ValidationError('invalid availability', bodyFieldErrors(errors));
      return availabilityView(await availability.save(practitioner.id, document, expectedVersion, now()));
    },

    searchSlots: async (request) => {
      const query = request.query as z.infer<typeof searchSlotsQuery>;
      const page = await ports.slots.search({ ...query, from: new Date(query.from), to: new Date(query.to) });
      return { status: 200, body: page };
    },

    createAppointment: async (request) => {
      const caller = callerOf(request);
      const body = request.body as z.infer<typeof createAppointmentBody>;
      return audited(auditing, request, { patientId: body.patientId, resourceType: 'appointment' }, async (target) => {
        // Independent reads at once (booking latency is a chain of database calls); access is still decided first.
        const [allowed, practitioner, stored] = await Promise.allSettled([
          access.requirePatient(caller, body.patientId, 'book'),
          records.getPractitioner(body.practitionerId),
          availability.get(body.practitionerId),
        ]);
        if (allowed.status === 'rejected') throw allowed.reason;
        if (practitioner.status === 'rejected') throw practitioner.reason;
        if (stored.status === 'rejected') throw stored.reason;
        const { patient, facts } = allowed.value;
        if (!practitioner.value) throw new ValidationError('invalid body', [{ field: 'body.practitionerId', message: 'is not a known practitioner' }]);
        const slot = bookableSlotOf(stored.value, body.start, body.type);
        const appointment = await booking.book({
          patientId: patient.id,
          practitionerId: practitioner.value.id,
          facilityId: practitioner.value.facilityId,
          type: body.type,
          slot,
          bookedBy: caller.userId,
        });
        target.resourceId = appointment.id;
        // The appointment puts its practitioner on the patient's care team (the access policy's "has an appointment").
        await records.ensureCareRelationship(patient.id, practitioner.value.id, 'appointment', now());
        return { status: 201, body: appointmentView(appointment, { clinical: clinical(facts) }) };
      });
    },

    listAppointments: async (request) => {
      const caller = callerOf(request);
      const query = request.query as z.infer<typeof listAppointmentsQuery>;
      const range = { from: query.from && toUtcString(new Date(query.from)), to: query.to && toUtcString(new Date(query.to)) };
      if (query.patientId) {
        const patientId = query.patientId;
        return audited(auditing, request, { patientId, resourceType: 'appointment-list', resourceId: patientId }, async () => {
          await access.requirePatient(caller, patientId, 'read');
          const page = await appointments.listByPatient(patientId, range, query);
          return { status: 200, body: { ...page, items: page.items.map((item) => appointmentView(item, { clinical: false })) } };
        });
      }
      const practitionerId = query.practitionerId!;
      await requirePractitioner(practitionerId);
      await requireOwnAgenda(caller, practitionerId);
      const page = await appointments.listByPractitioner(practitionerId, range, query);
      // An agenda reads several patients' appointments: one audit record for each.
      await auditEach(auditing, request, page.items.map((item) => item.patientId), 'appointment-list', practitionerId);
      return { status: 200, body: { ...page, items: page.items.map((item) => appointmentView(item, { clinical: false })) } };
    },

    getAppointment: async (request) =>
      audited(auditing, request, { resourceType: 'appointment', resourceId: request.params.id }, async (target) => {
        const { appointment, facts } = await loadAppointment(request, 'read', target);
        return { status: 200, body: appointmentView(appointment, { clinical: clinical(facts) }) };
      }),

    cancelAppointment: lifecycle('cancel', 'manage-appointments', async (appointment, request) => {
      const body = request.body as z.infer<typeof cancelAppointmentBody>;
      const cancelled = await appointments.update(appointment, { status: 'cancelled', cancelledAt: toUtcString(now()), cancelReason: body?.reason }, now());
      if (!cancelled) throw changedMeanwhile();
      await booking.releaseLocksOf(cancelled);
      return cancelled;
    }),

    rescheduleAppointment: lifecycle('reschedule', 'manage-appointments', async (appointment, request) => {
      const body = request.body as z.infer<typeof rescheduleAppointmentBody>;
      const slot = await bookableSlot(appointment.practitionerId, body.start, appointment.type);
      if (slot.start === appointment.start) return appointment;
      return booking.reschedule(appointment, slot);
    }),

    checkInAppointment: lifecycle('check-in', 'check-in', async (appointment, request) => {
      const at = now();
      if (at.getTime() >= Date.parse(appointment.end)) throw new Conflict('the appointment is over; check-in is closed');
      const intake = toIntakeRecord(request.body as z.infer<typeof checkInBody>, at);
      const checkedIn = await appointments.update(appointment, { status: 'checked-in', intake, checkedInAt: toUtcString(at) }, at);
      if (!checkedIn) throw changedMeanwhile();
      return checkedIn;
    }),

    startAppointment: lifecycle(
      'start',
      'read',
      async (appointment) => (await appointments.update(appointment, { status: 'in-progress' }, now())) ?? Promise.reject(changedMeanwhile()),
      'conduct',
    ),

    completeAppointment: lifecycle(
      'complete',
      'read',
      async (appointment) => (await appointments.update(appointment, { status: 'completed' }, now())) ?? Promise.reject(changedMeanwhile()),
      'conduct',
    ),

    markAppointmentNoShow: lifecycle(
      'no-show',
      'read',
      async (appointment) => {
        const marked = await appointments.update(appointment, { status: 'no-show' }, now());
        if (!marked) throw changedMeanwhile();
        await booking.releaseLocksOf(marked);
        return marked;
      },
      'mark-no-show',
    ),
  };

  async function requireOwnAgenda(caller: Caller, practitionerId: string): Promise<void> {
    if (caller.role === 'admin') return;
    const { practitionerId: own } = await access.profileOf(caller);
    if (own !== practitionerId) throw new Forbidden("only the practitioner or an admin reads a practitioner's agenda");
  }
}
