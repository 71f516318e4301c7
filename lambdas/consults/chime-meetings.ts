import {
  CreateAttendeeCommand,
  CreateMeetingCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  NotFoundException,
  UpdateAttendeeCapabilitiesCommand,
  type ChimeSDKMeetingsClient,
} from '@aws-sdk/client-chime-sdk-meetings';
import { Conflict } from '../shared/errors.js';
import type { Capabilities } from './domain/participants.js';
import type { ChimeAttendee, ChimeMeeting } from './model.js';
import { MeetingGone, type Meetings } from './ports.js';

const isNotFound = (error: unknown) => error instanceof NotFoundException || (error as { name?: string } | null)?.name === 'NotFoundException';
const isLimitExceeded = (error: unknown) => (error as { name?: string } | null)?.name === 'LimitExceededException';

/** The Meetings port on the AWS SDK v3 Chime SDK Meetings client (the emulator locally). */
export class ChimeMeetings implements Meetings {
  constructor(private readonly chime: ChimeSDKMeetingsClient) {}

  async createMeeting(input: { clientRequestToken: string; externalMeetingId: string; mediaRegion: string; maxAttendees: number }): Promise<ChimeMeeting> {
    const { Meeting } = await this.chime.send(
      new CreateMeetingCommand({
        ClientRequestToken: input.clientRequestToken,
        ExternalMeetingId: input.externalMeetingId,
        MediaRegion: input.mediaRegion,
        // The meeting enforces our cap too, whatever happens to our own counters.
        MeetingFeatures: { Attendee: { MaxCount: input.maxAttendees } },
      }),
    );
    if (!Meeting?.MeetingId) throw new Error('CreateMeeting returned no meeting');
    return Meeting;
  }

  async createAttendee(meetingId: string, externalUserId: string, capabilities: Capabilities): Promise<ChimeAttendee> {
    try {
      const { Attendee } = await this.chime.send(new CreateAttendeeCommand({ MeetingId: meetingId, ExternalUserId: externalUserId, Capabilities: capabilities }));
      if (!Attendee?.AttendeeId) throw new Error('CreateAttendee returned no attendee');
      return Attendee;
    } catch (error) {
      if (isNotFound(error)) throw new MeetingGone();
      if (isLimitExceeded(error)) throw new Conflict('the meeting is full');
      throw error;
    }
  }

  async updateCapabilities(meetingId: string, attendeeId: string, capabilities: Capabilities): Promise<ChimeAttendee> {
    try {
      const { Attendee } = await this.chime.send(new UpdateAttendeeCapabilitiesCommand({ MeetingId: meetingId, AttendeeId: attendeeId, Capabilities: capabilities }));
      if (!Attendee?.AttendeeId) throw new Error('UpdateAttendeeCapabilities returned no attendee');
      return Attendee;
    } catch (error) {
      if (isNotFound(error)) throw new MeetingGone();
      throw error;
    }
  }

  async deleteAttendee(meetingId: string, attendeeId: string): Promise<void> {
    try {
      await this.chime.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async deleteMeeting(meetingId: string): Promise<void> {
    try {
      await this.chime.send(new DeleteMeetingCommand({ MeetingId: meetingId }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
