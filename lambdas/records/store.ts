import type { CareRelationship, CareRelationshipSource, Facility, Patient, Practitioner, UserProfileClaim } from './model.js';
import type { Page, PageRequest } from './dynamo-support.js';

/**
 * Storage port of the records capability (and of the access policy, which reads patients, claims and care
 * relationships through it). The product's adapter is DynamoRecordsStore.
 */
export interface RecordsStore {
  putFacility(facility: Facility): Promise<void>;
  getFacility(id: string): Promise<Facility | undefined>;
  listFacilities(filter: { kind?: Facility['kind'] }, page: PageRequest): Promise<Page<Facility>>;

  /** Claims `practitioner.userId` and stores the practitioner; Conflict when the account already has a profile. */
  createPractitioner(practitioner: Practitioner): Promise<void>;
  getPractitioner(id: string): Promise<Practitioner | undefined>;
  getPractitioners(ids: readonly string[]): Promise<Practitioner[]>;
  listPractitioners(filter: { specialty?: string; facilityId?: string }, page: PageRequest): Promise<Page<Practitioner>>;

  /** Claims `patient.userId` and stores the patient; Conflict when the account already has a profile. */
  createPatient(patient: Patient): Promise<void>;
  getPatient(id: string): Promise<Patient | undefined>;

  getUserClaim(userId: string): Promise<UserProfileClaim | undefined>;

  /** Adds the practitioner to the patient's care team; an existing relationship is kept as it was. */
  ensureCareRelationship(patientId: string, practitionerId: string, source: CareRelationshipSource, now: Date): Promise<CareRelationship>;
  getCareRelationship(patientId: string, practitionerId: string): Promise<CareRelationship | undefined>;
}
