import type { TimelineType } from './timeline.js';

/**
 * Chime SDK meeting events as EventBridge delivers them (source `aws.chime`, detail-type
 * `Chime Meeting State Change`), reduced to what the timeline needs. The local Chime emulator sends the same envelope.
 */
export interface MeetingEvent {
  /** The EventBridge event id: the same on a redelivery. */
  eventId: string;
  type: Extract<TimelineType, 'joined' | 'left' | 'dropped' | 'attendee-deleted' | 'meeting-ended'>;
  meetingId: string;
  externalMeetingId?: string;
  attendeeId?: string;
  externalUserId?: string;
  /** RFC 3339 UTC with milliseconds, from the event's own timestamp. */
  at: string;
}

const TYPES: Readonly<Record<string, MeetingEvent['type']>> = {
  'chime:AttendeeJoined': 'joined',
  'chime:AttendeeLeft': 'left',
  'chime:AttendeeDropped': 'dropped',
  'chime:AttendeeDeleted': 'attendee-deleted',
  'chime:MeetingEnded': 'meeting-ended',
};

export const HANDLED_CHIME_EVENT_TYPES = Object.keys(TYPES);

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** The event, or undefined for anything else (other sources, other event types, malformed input). */
export function parseMeetingEvent(input: unknown): MeetingEvent | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const envelope = input as Record<string, unknown>;
  if (envelope.source !== 'aws.chime' || envelope['detail-type'] !== 'Chime Meeting State Change') return undefined;
  const detail = envelope.detail as Record<string, unknown> | undefined;
  const type = detail && TYPES[String(detail.eventType)];
  const eventId = text(envelope.id);
  const meetingId = text(detail?.meetingId);
  if (!detail || !type || !eventId || !meetingId) return undefined;
  const timestamp = typeof detail.timestamp === 'number' ? detail.timestamp : Date.parse(String(envelope.time));
  if (!Number.isFinite(timestamp)) return undefined;
  const attendeeId = text(detail.attendeeId);
  const externalUserId = text(detail.externalUserId);
  const externalMeetingId = text(detail.externalMeetingId);
  return {
    eventId,
    type,
    meetingId,
    ...(externalMeetingId ? { externalMeetingId } : {}),
    ...(attendeeId ? { attendeeId } : {}),
    ...(externalUserId ? { externalUserId } : {}),
    at: new Date(timestamp).toISOString(),
  };
}
