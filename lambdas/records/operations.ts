import type { z } from 'zod';
import { PatientAccess } from '../access/patient-access.js';
import { callerOf, type ApiRequest, type Caller, type Operations } from '../api/operation.js';
import { CARE_TEAM } from '../api/roles.js';
import type { AuditLog } from '../audit/audit-log.js';
import { audited, type Auditing } from '../audit/audited.js';
import { Forbidden, NotFound, ValidationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Facility, Patient, Practitioner } from './model.js';
import type {
  addCareTeamMemberBody,
  auditQuery,
  createFacilityBody,
  createPatientBody,
  createPractitionerBody,
  listFacilitiesQuery,
  listPractitionersQuery,
} from './schemas.js';
import type { RecordsStore } from './store.js';

export interface RecordsPorts {
  readonly records: RecordsStore;
  readonly access: PatientAccess;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

/** A body field that names a record which does not exist: a 400 on that field, and nothing is written. */
function unknownReference(field: string, what: string): ValidationError {
  return new ValidationError('invalid body', [{ field: `body.${field}`, message: `is not a known ${what}` }]);
}

/** The account user id of a practitioner is for admins and the practitioner; others see the professional record. */
function practitionerView(practitioner: Practitioner, caller: Caller): Partial<Practitioner> {
  if (caller.role === 'admin' || caller.userId === practitioner.userId) return practitioner;
  const { userId: _userId, ...rest } = practitioner;
  return rest;
}

export function createRecordsOperations(ports: RecordsPorts): Operations {
  const { records, access, now } = ports;
  const auditing: Auditing = { log: ports.audit, now };

  return {
    createFacility: async (request) => {
      const body = request.body as z.infer<typeof createFacilityBody>;
      const hubIds = body.hubIds ?? [];
      const hubs = await Promise.all(hubIds.map((id) => records.getFacility(id)));
      hubs.forEach((hub, index) => {
        if (!hub || hub.kind !== 'hub') throw new ValidationError('invalid body', [{ field: `body.hubIds.${index}`, message: 'is not a known hub facility' }]);
      });
      const createdAt = now();
      const facility: Facility = { id: newId('fac', createdAt.getTime()), name: body.name, kind: body.kind, hubIds, timeZone: body.timeZone, createdAt: createdAt.toISOString() };
      await records.putFacility(facility);
      return { status: 201, body: facility };
    },

    listFacilities: async (request) => {
      const query = request.query as z.infer<typeof listFacilitiesQuery>;
      return { status: 200, body: await records.listFacilities({ kind: query.kind }, query) };
    },

    createPractitioner: async (request) => {
      const body = request.body as z.infer<typeof createPractitionerBody>;
      if (!(await records.getFacility(body.facilityId))) throw unknownReference('facilityId', 'facility');
      const createdAt = now();
      const practitioner: Practitioner = { id: newId('prac', createdAt.getTime()), ...body, createdAt: createdAt.toISOString() };
      await records.createPractitioner(practitioner);
      return { status: 201, body: practitioner };
    },

    listPractitioners: async (request) => {
      const caller = callerOf(request);
      const query = request.query as z.infer<typeof listPractitionersQuery>;
      const page = await records.listPractitioners({ specialty: query.specialty, facilityId: query.facilityId }, query);
      return { status: 200, body: { ...page, items: page.items.map((practitioner) => practitionerView(practitioner, caller)) } };
    },

    getPractitioner: async (request) => {
      const practitioner = await records.getPractitioner(request.params.id!);
      if (!practitioner) throw new NotFound('practitioner not found');
      return { status: 200, body: practitionerView(practitioner, callerOf(request)) };
    },

    createPatient: async (request) => {
      const caller = callerOf(request);
      const body = request.body as z.infer<typeof createPatientBody>;
      if (caller.role === 'patient' && body.userId !== caller.userId) throw new Forbidden('a patient registers their own account only');
      // A practitioner who registers a patient joins the care team, so they need a practitioner profile first.
      const registeringPractitioner = CARE_TEAM.includes(caller.role) ? await access.requirePractitionerProfile(caller) : undefined;
      if (!(await records.getFacility(body.homeFacilityId))) throw unknownReference('homeFacilityId', 'facility');
      const createdAt = now();
      const patient: Patient = { id: newId('pat', createdAt.getTime()), ...body, createdAt: createdAt.toISOString() };
      return audited(auditing, request, { resourceType: 'patient' }, async (target) => {
        await records.createPatient(patient);
        target.patientId = patient.id;
        if (registeringPractitioner) await records.ensureCareRelationship(patient.id, registeringPractitioner, 'registration', createdAt);
        return { status: 201, body: patient };
      });
    },

    getPatient: async (request) =>
      audited(auditing, request, { patientId: request.params.id!, resourceType: 'patient' }, async () => {
        const { patient } = await access.requirePatient(callerOf(request), request.params.id!, 'read');
        return { status: 200, body: patient };
      }),

    addCareTeamMember: async (request) => {
      const body = request.body as z.infer<typeof addCareTeamMemberBody>;
      const patientId = request.params.id!;
      return audited(auditing, request, { patientId, resourceType: 'care-relationship', resourceId: body.practitionerId }, async () => {
        await access.requirePatient(callerOf(request), patientId, 'assign-care-team');
        if (!(await records.getPractitioner(body.practitionerId))) throw unknownReference('practitionerId', 'practitioner');
        const relationship = await records.ensureCareRelationship(patientId, body.practitionerId, 'assigned', now());
        return { status: 201, body: relationship };
      });
    },

    listPatientAudit: async (request) => {
      const query = request.query as z.infer<typeof auditQuery>;
      const patientId = request.params.id!;
      return audited(auditing, request, { patientId, resourceType: 'audit-trail' }, async () => {
        await access.requirePatient(callerOf(request), patientId, 'read-audit');
        return { status: 200, body: await ports.audit.listForPatient(patientId, query) };
      });
    },

    getMyProfile: async (request: ApiRequest) => {
      const caller = callerOf(request);
      const profile = await access.profileOf(caller);
      return { status: 200, body: { userId: caller.userId, role: caller.role, ...profile } };
    },
  };
}
