import type { CAREGIVER_RELATIONSHIPS, FACILITY_KINDS, PRACTITIONER_ROLES } from './schemas.js';

/** The records as stored and returned. Ids are opaque (`fac_…`, `prac_…`, `pat_…`); times RFC 3339 UTC. */

export interface Facility {
  id: string;
  name: string;
  kind: (typeof FACILITY_KINDS)[number];
  hubIds: string[];
  timeZone: string;
  createdAt: string;
}

export interface PersonName {
  given: string;
  family: string;
}

export interface Contact {
  email?: string;
  phone?: string;
}

export interface Practitioner {
  id: string;
  name: PersonName;
  role: (typeof PRACTITIONER_ROLES)[number];
  specialties: string[];
  facilityId: string;
  languages: string[];
  timeZone: string;
  /** The practitioner's account (`sub`). */
  userId: string;
  createdAt: string;
}

export interface Caregiver {
  name: PersonName;
  relationship: (typeof CAREGIVER_RELATIONSHIPS)[number];
  contact?: Contact;
  userId?: string;
}

export interface Patient {
  id: string;
  name: PersonName;
  birthDate: string;
  contact: Contact;
  preferredLanguage: string;
  homeFacilityId: string;
  caregivers: Caregiver[];
  /** The patient's account (`sub`). */
  userId: string;
  createdAt: string;
}

/** Why a practitioner is on a patient's care team. */
export type CareRelationshipSource = 'appointment' | 'assigned' | 'registration';

export interface CareRelationship {
  patientId: string;
  practitionerId: string;
  source: CareRelationshipSource;
  since: string;
}

/** Which profile an account (`sub`) is: at most one, patient or practitioner. */
export interface UserProfileClaim {
  userId: string;
  kind: 'patient' | 'practitioner';
  recordId: string;
  claimedAt: string;
}
