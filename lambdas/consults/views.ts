import type { NoteAddendum, NoteVersion } from './domain/notes.js';
import { sessionsByParticipant, type Session, type TimelineEntry } from './domain/timeline.js';
import { PARTICIPANT_KINDS } from './domain/participants.js';
import type { StoredConsult, StoredParticipant } from './model.js';

/** The API's views: storage plumbing, hashes and account ids dropped. */

export function participantView(participant: StoredParticipant, sessions: readonly Session[] = []) {
  return {
    participantId: participant.participantId,
    kind: participant.kind,
    guest: participant.guest,
    status: participant.status,
    ...(participant.attendeeId ? { attendeeId: participant.attendeeId } : {}),
    ...(participant.capabilities ? { capabilities: participant.capabilities } : {}),
    statusChangedAt: participant.statusChangedAt,
    ...(participant.admittedAt ? { admittedAt: participant.admittedAt } : {}),
    present: sessions.length > 0 && sessions.at(-1)!.leftAt === undefined,
    sessions,
  };
}

/** Host, patient, practitioners, then the others, each in order of arrival. */
function byKindThenArrival(a: StoredParticipant, b: StoredParticipant): number {
  const kind = PARTICIPANT_KINDS.indexOf(a.kind) - PARTICIPANT_KINDS.indexOf(b.kind);
  if (kind !== 0) return kind;
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.participantId < b.participantId ? -1 : 1;
}

export function consultView(consult: StoredConsult, participants: readonly StoredParticipant[], timeline: readonly TimelineEntry[]) {
  const sessions = sessionsByParticipant(timeline);
  return {
    id: consult.id,
    appointmentId: consult.appointmentId,
    patientId: consult.patientId,
    practitionerId: consult.practitionerId,
    facilityId: consult.facilityId,
    status: consult.status,
    startedAt: consult.startedAt,
    ...(consult.endedAt ? { endedAt: consult.endedAt, durationSeconds: consult.durationSeconds } : {}),
    maxParticipants: consult.maxParticipants,
    ...(consult.meeting ? { meeting: { meetingId: consult.meeting.MeetingId, mediaRegion: consult.meeting.MediaRegion } } : {}),
    participants: [...participants].sort(byKindThenArrival).map((participant) => participantView(participant, sessions.get(participant.participantId))),
  };
}

export function timelineEntryView(entry: TimelineEntry) {
  const { consultId: _consultId, ...rest } = entry;
  return rest;
}

export function noteView(note: NoteVersion, addenda: readonly NoteAddendum[]) {
  return {
    consultId: note.consultId,
    version: note.version,
    status: note.status,
    ...note.soap,
    authorId: note.authorId,
    updatedAt: note.createdAt,
    ...(note.signedAt ? { signedAt: note.signedAt } : {}),
    addenda: addenda.map(({ consultId: _consultId, ...addendum }) => addendum),
  };
}

export function noteVersionView(note: NoteVersion) {
  const { consultId: _consultId, soap, ...rest } = note;
  return { ...rest, ...soap };
}

export const etag = (version: number) => ({ etag: `"${version}"` });
