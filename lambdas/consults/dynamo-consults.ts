import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeCursor, encodeCursor, isConditionFailure, RECORDS_TABLE_KEYS, withoutStorageAttributes, type Page, type PageRequest } from '../records/dynamo-support.js';
import type { Capabilities } from './domain/participants.js';
import type { TimelineEntry } from './domain/timeline.js';
import { conditionalUpdate } from './dynamo-update.js';
import { consultKeys } from './keys.js';
import type { StoredConsult, StoredParticipant } from './model.js';
import type { ConsultChanges, ConsultStore, ParticipantChanges } from './ports.js';

/** Consults, their participants and timeline in the records table (keys.ts; docs/consults.md "Data model"). */
export class DynamoConsultStore implements ConsultStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private async getItem<T>(key: Record<string, string>): Promise<T | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }));
    return result.Item ? withoutStorageAttributes<T>(unmarshall(result.Item)) : undefined;
  }

  /** Put unless the key exists; false when it does. */
  private async putNew(key: Record<string, string>, item: object, entity: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...key, entity, ...item }, { removeUndefinedValues: true, convertClassInstanceToMap: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every item of the consult's partition under a sort-key prefix, in order, strongly consistent. */
  private async queryAll<T>(consultId: string, prefix: string): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: marshall({ ':pk': consultKeys.partition(consultId), ':prefix': prefix }),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) items.push(withoutStorageAttributes<T>(unmarshall(item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  get(id: string): Promise<StoredConsult | undefined> {
    return this.getItem<StoredConsult>(consultKeys.consult(id));
  }

  async consultIdOfAppointment(appointmentId: string): Promise<string | undefined> {
    return (await this.getItem<{ consultId: string }>(consultKeys.appointmentLink(appointmentId)))?.consultId;
  }

  async linkAppointment(appointmentId: string, consultId: string, now: Date): Promise<string> {
    const key = consultKeys.appointmentLink(appointmentId);
    if (await this.putNew(key, { appointmentId, consultId, linkedAt: now.toISOString() }, 'consult-link')) return consultId;
    const existing = await this.consultIdOfAppointment(appointmentId);
    if (!existing) throw new Error('appointment link vanished');
    return existing;
  }

  create(consult: StoredConsult): Promise<boolean> {
    return this.putNew(consultKeys.consult(consult.id), consult, 'consult');
  }

  update(consult: StoredConsult, changes: ConsultChanges, now: Date): Promise<StoredConsult | undefined> {
    return conditionalUpdate<StoredConsult>(
      this.db,
      this.tableName,
      consultKeys.consult(consult.id),
      { ...changes, version: consult.version + 1, updatedAt: now.toISOString() },
      { expression: '#version = :expected', names: { '#version': 'version' }, values: { ':expected': consult.version } },
    );
  }

  async takeSeat(consultId: string, max: number): Promise<boolean> {
    // The counter is apart from `version`: taking a place never makes a concurrent consult update fail.
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(consultKeys.consult(consultId)),
          UpdateExpression: 'ADD seats :one',
          ConditionExpression: 'attribute_exists(pk) AND seats < :max',
          ExpressionAttributeValues: marshall({ ':one': 1, ':max': max }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseSeat(consultId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(consultKeys.consult(consultId)),
          UpdateExpression: 'ADD seats :minusOne',
          ConditionExpression: 'attribute_exists(pk) AND seats > :zero',
          ExpressionAttributeValues: marshall({ ':minusOne': -1, ':zero': 0 }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async linkMeeting(meetingId: string, consultId: string): Promise<void> {
    await this.putNew(consultKeys.meetingLink(meetingId), { meetingId, consultId }, 'consult-meeting');
  }

  async consultIdOfMeeting(meetingId: string): Promise<string | undefined> {
    return (await this.getItem<{ consultId: string }>(consultKeys.meetingLink(meetingId)))?.consultId;
  }

  async clearMeeting(consultId: string, meetingId: string, now: Date): Promise<boolean> {
    // Conditional on the meeting rather than a version (the event handler has no version to compare); the version
    // is still bumped, so a writer that read the consult with this meeting cannot put it back.
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(consultKeys.consult(consultId)),
          UpdateExpression: 'SET lastMeetingId = :meetingId, updatedAt = :now ADD #version :one REMOVE #meeting',
          ConditionExpression: 'attribute_exists(pk) AND #meeting.MeetingId = :meetingId',
          ExpressionAttributeNames: { '#version': 'version', '#meeting': 'meeting' },
          ExpressionAttributeValues: marshall({ ':meetingId': meetingId, ':now': now.toISOString(), ':one': 1 }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  listParticipants(consultId: string): Promise<StoredParticipant[]> {
    return this.queryAll<StoredParticipant>(consultId, consultKeys.participantPrefix);
  }

  getParticipant(consultId: string, participantId: string): Promise<StoredParticipant | undefined> {
    return this.getItem<StoredParticipant>(consultKeys.participant(consultId, participantId));
  }

  createParticipant(participant: StoredParticipant): Promise<boolean> {
    return this.putNew(consultKeys.participant(participant.consultId, participant.participantId), participant, 'consult-participant');
  }

  updateParticipant(participant: StoredParticipant, changes: ParticipantChanges): Promise<StoredParticipant | undefined> {
    return conditionalUpdate<StoredParticipant>(
      this.db,
      this.tableName,
      consultKeys.participant(participant.consultId, participant.participantId),
      { ...changes, version: participant.version + 1 },
      { expression: '#version = :expected', names: { '#version': 'version' }, values: { ':expected': participant.version } },
    );
  }

  async setAttendee(consultId: string, participantId: string, attendee: { attendeeId: string; attendeeMeetingId: string; capabilities: Capabilities }): Promise<boolean> {
    const updated = await conditionalUpdate<StoredParticipant>(this.db, this.tableName, consultKeys.participant(consultId, participantId), attendee, {
      expression: '#status = :admitted',
      names: { '#status': 'status' },
      values: { ':admitted': 'admitted' },
    });
    return updated !== undefined;
  }

  appendTimeline(entry: TimelineEntry): Promise<boolean> {
    return this.putNew(consultKeys.timelineEntry(entry.consultId, entry.at, entry.entryId), entry, 'consult-timeline');
  }

  async listTimeline(consultId: string, page: PageRequest): Promise<Page<TimelineEntry>> {
    const partition = consultKeys.partition(consultId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: marshall({ ':pk': partition, ':prefix': consultKeys.timelinePrefix }),
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, {
          keyNames: RECORDS_TABLE_KEYS,
          partition: { name: 'pk', value: partition },
          accept: (key) => key.sk!.startsWith(consultKeys.timelinePrefix),
        }),
      }),
    );
    const items = (result.Items ?? []).map((item) => withoutStorageAttributes<TimelineEntry>(unmarshall(item)));
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  allTimeline(consultId: string): Promise<TimelineEntry[]> {
    return this.queryAll<TimelineEntry>(consultId, consultKeys.timelinePrefix);
  }
}
