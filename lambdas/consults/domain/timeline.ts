/**
 * The record of a visit: what the API did (start, invitations, lobby decisions, end) and what Chime reported
 * (joins, leaves, drops, meeting end). Each entry is an item written once; participants' sessions are computed from
 * the entries, so events that arrive late, twice or out of order still give the right join and leave times.
 */
export const TIMELINE_TYPES = [
  'consult-started',
  'meeting-created',
  'invited',
  'lobby-entered',
  'admitted',
  'denied',
  'removed',
  'joined',
  'left',
  'dropped',
  'attendee-deleted',
  'meeting-ended',
  'consult-ended',
] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

export interface TimelineEntry {
  consultId: string;
  /** Unique within the consult; for Chime events derived from the EventBridge event id, so a redelivery is a no-op. */
  entryId: string;
  /** RFC 3339 UTC with milliseconds. */
  at: string;
  type: TimelineType;
  /** Whom the entry is about. */
  participantId?: string;
  /** Who did it: a user id, or a guest's participant id; absent for Chime's own events. */
  actorId?: string;
  attendeeId?: string;
  meetingId?: string;
  source: 'api' | 'chime';
}

export type SessionEnd = 'left' | 'dropped' | 'removed' | 'meeting-ended' | 'consult-ended';

/** One stretch of time a participant was in the meeting. `leftAt` absent: still there. */
export interface Session {
  joinedAt: string;
  leftAt?: string;
  endedBy?: SessionEnd;
}

const CLOSES_ONE: Partial<Record<TimelineType, SessionEnd>> = {
  left: 'left',
  dropped: 'dropped',
  // Deleting an attendee disconnects it; AWS does not always send a Left too.
  'attendee-deleted': 'removed',
  removed: 'removed',
};
const CLOSES_ALL: Partial<Record<TimelineType, SessionEnd>> = { 'meeting-ended': 'meeting-ended', 'consult-ended': 'consult-ended' };

/** Time order; at the same millisecond a join comes before what closes it. */
function chronological(a: TimelineEntry, b: TimelineEntry): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  const rank = (entry: TimelineEntry) => (entry.type === 'joined' ? 0 : 1);
  return rank(a) - rank(b) || (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0);
}

export function sortTimeline(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return [...entries].sort(chronological);
}

/** Every participant's sessions, from the whole timeline. A second join while already in (a reconnect) changes nothing. */
export function sessionsByParticipant(entries: readonly TimelineEntry[]): Map<string, Session[]> {
  const sessions = new Map<string, Session[]>();
  const open = new Map<string, Session>();
  for (const entry of sortTimeline(entries)) {
    const closeAll = CLOSES_ALL[entry.type];
    if (closeAll) {
      for (const session of open.values()) Object.assign(session, { leftAt: entry.at, endedBy: closeAll });
      open.clear();
      continue;
    }
    if (!entry.participantId) continue;
    if (entry.type === 'joined') {
      if (open.has(entry.participantId)) continue;
      const session: Session = { joinedAt: entry.at };
      open.set(entry.participantId, session);
      const list = sessions.get(entry.participantId) ?? [];
      list.push(session);
      sessions.set(entry.participantId, list);
      continue;
    }
    const closeOne = CLOSES_ONE[entry.type];
    const session = closeOne && open.get(entry.participantId);
    if (closeOne && session) {
      Object.assign(session, { leftAt: entry.at, endedBy: closeOne });
      open.delete(entry.participantId);
    }
  }
  return sessions;
}

/** Whole seconds from start to end (never negative). */
export function durationSeconds(start: string, end: string): number {
  return Math.max(0, Math.round((Date.parse(end) - Date.parse(start)) / 1000));
}
