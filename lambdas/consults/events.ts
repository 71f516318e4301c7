import { logger } from '../shared/observability.js';
import { parseMeetingEvent } from './domain/meeting-events.js';
import type { ConsultStore } from './ports.js';

export interface MeetingEventPorts {
  readonly consults: ConsultStore;
  readonly now: () => Date;
}

export type MeetingEventOutcome = 'recorded' | 'duplicate' | 'ignored';

/**
 * One Chime meeting event (EventBridge, or the local emulator) into the consult's timeline. Idempotent: the entry's
 * key comes from the event id, so a redelivery writes nothing. Presence is not stored as a flag but computed from
 * the timeline, so out-of-order delivery cannot leave someone "present" after they left.
 */
export async function recordMeetingEvent(ports: MeetingEventPorts, input: unknown): Promise<MeetingEventOutcome> {
  const event = parseMeetingEvent(input);
  if (!event) return 'ignored';
  const consultId = await ports.consults.consultIdOfMeeting(event.meetingId);
  // Another application's meeting in the same account, or one created by a start that never recorded it.
  if (!consultId) return 'ignored';
  let participantId: string | undefined;
  if (event.attendeeId || event.externalUserId) {
    const participants = await ports.consults.listParticipants(consultId);
    // The external user id is stable across the consult's meetings; the attendee id is a fallback.
    const participant =
      (event.externalUserId && participants.find((candidate) => candidate.externalUserId === event.externalUserId)) ||
      participants.find((candidate) => candidate.attendeeId !== undefined && candidate.attendeeId === event.attendeeId);
    participantId = participant ? participant.participantId : undefined;
  }
  const recorded = await ports.consults.appendTimeline({
    consultId,
    entryId: `chime-${event.eventId}`,
    at: event.at,
    type: event.type,
    ...(participantId ? { participantId } : {}),
    ...(event.attendeeId ? { attendeeId: event.attendeeId } : {}),
    meetingId: event.meetingId,
    source: 'chime',
  });
  // Chime ends an empty meeting by itself: forget it, so the next join creates a new one.
  if (event.type === 'meeting-ended') await ports.consults.clearMeeting(consultId, event.meetingId, ports.now());
  // Ids only: never names or anything else a participant typed.
  logger.info('meeting event', { eventType: event.type, consultId, meetingId: event.meetingId, participantId, outcome: recorded ? 'recorded' : 'duplicate' });
  return recorded ? 'recorded' : 'duplicate';
}
