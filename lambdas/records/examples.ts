/** Ids and records used as OpenAPI examples (and checked against the schemas by a unit test). */
export const EXAMPLE_IDS = {
  hub: 'fac_01JD3Z5Y8Q4M2N6P7R9S0T1V2W',
  spoke: 'fac_01JD3Z5Y8Q4M2N6P7R9S0T1V2X',
  practitioner: 'prac_01JD3Z6A1B2C3D4E5F6G7H8J9K',
  patient: 'pat_01JD3Z7M0N1P2Q3R4S5T6V7W8X',
  appointment: 'appt_01JD3Z8Y9Z0A1B2C3D4E5F6G7H',
  audit: 'aud_01JD3Z9K0M1N2P3Q4R5S6T7V8W',
  practitionerUser: '3f0c7d52-6a61-4c3e-9d1b-5c2e0b7a9d11',
  patientUser: '8b5e1a90-2f4d-4e67-a3c8-71d9e6b4c022',
} as const;

export const exampleFacility = {
  id: EXAMPLE_IDS.spoke,
  name: 'Riverside Community Clinic',
  kind: 'spoke',
  hubIds: [EXAMPLE_IDS.hub],
  timeZone: 'Asia/Ho_Chi_Minh',
  createdAt: '2026-11-20T08:00:00.000Z',
} as const;

export const examplePractitioner = {
  id: EXAMPLE_IDS.practitioner,
  name: { given: 'Lan', family: 'Nguyen' },
  role: 'clinician',
  specialties: ['cardiology'],
  facilityId: EXAMPLE_IDS.hub,
  languages: ['vi', 'en'],
  timeZone: 'Asia/Ho_Chi_Minh',
  userId: EXAMPLE_IDS.practitionerUser,
  createdAt: '2026-11-20T08:05:00.000Z',
} as const;

export const examplePatient = {
  id: EXAMPLE_IDS.patient,
  name: { given: 'Minh', family: 'Tran' },
  birthDate: '1958-04-12',
  contact: { phone: '+84901234567' },
  preferredLanguage: 'vi',
  homeFacilityId: EXAMPLE_IDS.spoke,
  caregivers: [{ name: { given: 'Hoa', family: 'Tran' }, relationship: 'child', contact: { phone: '+84907654321' } }],
  userId: EXAMPLE_IDS.patientUser,
  createdAt: '2026-11-20T09:00:00.000Z',
} as const;
