/**
 * Key formats of the scheduling capability in the records table (docs/data-model.md has the full list).
 * Ids and UTC times only: no PHI in keys.
 */
export const schedulingKeys = {
  appointment: (id: string) => ({ pk: `APPT#${id}`, sk: 'APPT' }),
  /** gsi1: a patient's appointments by start. */
  patientAppointments: (patientId: string) => `PAT#${patientId}#APPTS`,
  /** gsi2: a practitioner's agenda by start. */
  practitionerAppointments: (practitionerId: string) => `PRAC#${practitionerId}#APPTS`,
  /** Sort key of both indexes: start first, so a time range is a key condition; the id keeps it unique. */
  appointmentSort: (start: string, id: string) => `${start}#${id}`,

  availability: (practitionerId: string) => ({ pk: `PRAC#${practitionerId}`, sk: 'AVAIL' }),

  /** One item per 5-minute bucket an owner (practitioner or patient) is busy: `slotLockKeys` in domain/appointment.ts. */
  slotLock: (lockKey: string) => ({ pk: `LOCK#${lockKey}`, sk: 'LOCK' }),
} as const;
