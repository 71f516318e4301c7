/**
 * Key formats of the records capability in the records table (docs/data-model.md has the full list).
 * Every key part is an id or a fixed word: no PHI in keys, which also appear in CloudWatch metrics and traces.
 */
export const recordKeys = {
  facility: (id: string) => ({ pk: `FAC#${id}`, sk: 'FAC' }),
  /** gsi1: every facility, by id (time-sortable ids: oldest first). */
  facilityList: () => 'FACILITIES',

  practitioner: (id: string) => ({ pk: `PRAC#${id}`, sk: 'PRAC' }),
  /** gsi1 of the practitioner item: the practitioners of one facility. */
  practitionersAtFacility: (facilityId: string) => `FAC#${facilityId}#PRACS`,
  /** gsi2 of the practitioner item: every practitioner. */
  practitionerList: () => 'PRACTITIONERS',
  /** One index item per specialty (a list attribute cannot be indexed): pk/sk, and its gsi1 partition + sort. */
  practitionerSpecialty: (id: string, specialty: string) => ({ pk: `PRAC#${id}`, sk: `SPEC#${specialty}` }),
  specialtyPartition: (specialty: string) => `SPEC#${specialty}`,
  specialtySort: (facilityId: string, practitionerId: string) => `${facilityId}#${practitionerId}`,

  patient: (id: string) => ({ pk: `PAT#${id}`, sk: 'PAT' }),
  careRelationship: (patientId: string, practitionerId: string) => ({ pk: `PAT#${patientId}`, sk: `CARE#${practitionerId}` }),
  /** gsi1 of a care relationship: one practitioner's patients. */
  patientsOfPractitioner: (practitionerId: string) => `PRAC#${practitionerId}#PATIENTS`,

  /** Which profile an account is: makes `userId` unique across patients and practitioners. */
  userClaim: (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' }),
} as const;
