/**
 * Key formats of the consults capability in the records table (docs/consults.md, "Data model").
 * Ids, hashes and UTC times only: no PHI in keys.
 */
const partition = (consultId: string) => `CONS#${consultId}`;

export const consultKeys = {
  consult: (id: string) => ({ pk: partition(id), sk: 'CONS' }),
  /** One consult per appointment: a conditional put on this item makes a repeated start find the same consult. */
  appointmentLink: (appointmentId: string) => ({ pk: `APPT#${appointmentId}`, sk: 'CONS' }),
  /** Chime meeting id → consult, for meeting events (a strongly consistent read, unlike an index). */
  meetingLink: (meetingId: string) => ({ pk: `MEET#${meetingId}`, sk: 'CONS' }),

  partition,
  participant: (consultId: string, participantId: string) => ({ pk: partition(consultId), sk: `PART#${participantId}` }),
  participantPrefix: 'PART#',
  /** Time first, so a query reads the timeline in order; the entry id makes redeliveries collide. */
  timelineEntry: (consultId: string, at: string, entryId: string) => ({ pk: partition(consultId), sk: `TL#${at}#${entryId}` }),
  timelinePrefix: 'TL#',
  /** Zero-padded, so versions sort as strings. */
  noteVersion: (consultId: string, version: number) => ({ pk: partition(consultId), sk: `NOTE#V#${String(version).padStart(6, '0')}` }),
  noteVersionPrefix: 'NOTE#V#',
  noteAddendum: (consultId: string, addendumId: string) => ({ pk: partition(consultId), sk: `NOTE#A#${addendumId}` }),
  noteAddendumPrefix: 'NOTE#A#',

  invite: (tokenHash: string) => ({ pk: `INVITE#${tokenHash}`, sk: 'INVITE' }),
  /** Fixed-window counters: one item per scope and window, swept by TTL. */
  rateWindow: (scope: string, windowStart: number) => ({ pk: `RATE#${scope}#${windowStart}`, sk: 'RATE' }),
} as const;
