import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { GSI1_KEYS, GSI2_KEYS, decodeCursor, encodeCursor, isConditionFailure, withoutStorageAttributes, type Page, type PageRequest } from '../records/dynamo-support.js';
import { SLOT_MINUTES } from './domain/availability.js';
import { schedulingKeys } from './keys.js';
import { isOccupying, type Interval, type PendingMove, type StoredAppointment } from './model.js';
import type { AppointmentStore, StartRange } from './ports.js';

/** Abandoned bookings are kept a day (TTL in AWS) so a lock naming one can still be judged, then swept. */
const ABANDONED_RETENTION_SECONDS = 24 * 3600;

const toValues = (values: Record<string, unknown>) => marshall(values, { removeUndefinedValues: true });

function indexKeys(appointment: Pick<StoredAppointment, 'id' | 'patientId' | 'practitionerId' | 'start'>) {
  const sort = schedulingKeys.appointmentSort(appointment.start, appointment.id);
  return {
    gsi1pk: schedulingKeys.patientAppointments(appointment.patientId),
    gsi1sk: sort,
    gsi2pk: schedulingKeys.practitionerAppointments(appointment.practitionerId),
    gsi2sk: sort,
  };
}

/** UpdateExpression parts from plain values: SET for defined, REMOVE for `null`. Names are placeholders, never inlined. */
function updateParts(set: Record<string, unknown>, remove: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments: string[] = [];
  Object.entries(set).forEach(([field, value], index) => {
    if (value === undefined) return;
    names[`#u${index}`] = field;
    values[`:u${index}`] = value;
    assignments.push(`#u${index} = :u${index}`);
  });
  const removals = remove.map((field, index) => {
    names[`#r${index}`] = field;
    return `#r${index}`;
  });
  const expression = [assignments.length ? `SET ${assignments.join(', ')}` : '', removals.length ? `REMOVE ${removals.join(', ')}` : ''].filter(Boolean).join(' ');
  return { expression, names, values };
}

export class DynamoAppointmentStore implements AppointmentStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<StoredAppointment | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(schedulingKeys.appointment(id)), ConsistentRead: true }));
    return result.Item ? withoutStorageAttributes<StoredAppointment>(unmarshall(result.Item)) : undefined;
  }

  async createPending(appointment: StoredAppointment): Promise<void> {
    // No index keys yet: a pending booking is in no listing (sparse indexes).
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...schedulingKeys.appointment(appointment.id), entity: 'appointment', ...appointment }, { removeUndefinedValues: true }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  confirm(appointment: StoredAppointment, now: Date): Promise<StoredAppointment | undefined> {
    return this.conditionalUpdate(
      appointment.id,
      { ...indexKeys(appointment), status: 'booked', version: 1, updatedAt: now.toISOString() },
      ['pendingSince'],
      '#status = :pending',
      { '#status': 'status' },
      { ':pending': 'pending' },
    );
  }

  async abandon(id: string, pendingSince: string, now: Date): Promise<boolean> {
    const updated = await this.conditionalUpdate(
      id,
      { status: 'abandoned', updatedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + ABANDONED_RETENTION_SECONDS },
      [],
      '#status = :pending AND pendingSince = :since',
      { '#status': 'status' },
      { ':pending': 'pending', ':since': pendingSince },
    );
    return updated !== undefined;
  }

  beginMove(appointment: StoredAppointment, move: PendingMove, now: Date): Promise<StoredAppointment | undefined> {
    return this.conditionalUpdate(
      appointment.id,
      { pendingMove: move, version: appointment.version + 1, updatedAt: now.toISOString() },
      [],
      'version = :version AND #status = :status',
      { '#status': 'status' },
      { ':version': appointment.version, ':status': appointment.status },
    );
  }

  async clearMove(id: string, moveId: string): Promise<boolean> {
    const updated = await this.conditionalUpdate(id, {}, ['pendingMove'], 'pendingMove.moveId = :moveId', {}, { ':moveId': moveId });
    return updated !== undefined;
  }

  completeMove(appointment: StoredAppointment, move: PendingMove, now: Date): Promise<StoredAppointment | undefined> {
    const moved = { ...appointment, start: move.start, end: move.end };
    return this.conditionalUpdate(
      appointment.id,
      {
        start: move.start,
        end: move.end,
        localStart: move.localStart,
        ...indexKeys(moved),
        // A check-in belongs to the old time (domain/appointment.ts): back to booked.
        status: 'booked',
        version: appointment.version + 1,
        updatedAt: now.toISOString(),
      },
      ['pendingMove', 'checkedInAt'],
      'version = :version AND pendingMove.moveId = :moveId',
      {},
      { ':version': appointment.version, ':moveId': move.moveId },
    );
  }

  update(
    appointment: StoredAppointment,
    changes: Partial<Pick<StoredAppointment, 'status' | 'intake' | 'checkedInAt' | 'cancelledAt' | 'cancelReason'>>,
    now: Date,
  ): Promise<StoredAppointment | undefined> {
    return this.conditionalUpdate(
      appointment.id,
      { ...changes, version: appointment.version + 1, updatedAt: now.toISOString() },
      [],
      'version = :version AND #status = :status',
      { '#status': 'status' },
      { ':version': appointment.version, ':status': appointment.status },
    );
  }

  listByPatient(patientId: string, range: StartRange, page: PageRequest): Promise<Page<StoredAppointment>> {
    return this.queryIndex('gsi1', schedulingKeys.patientAppointments(patientId), range, page);
  }

  listByPractitioner(practitionerId: string, range: StartRange, page: PageRequest): Promise<Page<StoredAppointment>> {
    return this.queryIndex('gsi2', schedulingKeys.practitionerAppointments(practitionerId), range, page);
  }

  async occupiedIntervals(practitionerId: string, range: Required<StartRange>): Promise<Interval[]> {
    // An appointment that starts before the range may still run into it: look back by the longest slot.
    const lookBack = new Date(Date.parse(range.from) - SLOT_MINUTES.max * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const intervals: Interval[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.queryIndex('gsi2', schedulingKeys.practitionerAppointments(practitionerId), { from: lookBack, to: range.to }, { limit: 500, cursor });
      for (const appointment of page.items) {
        if (isOccupying(appointment.status)) intervals.push({ start: appointment.start, end: appointment.end });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return intervals;
  }

  private async queryIndex(index: 'gsi1' | 'gsi2', partition: string, range: StartRange, page: PageRequest): Promise<Page<StoredAppointment>> {
    const pkName = `${index}pk`;
    const skName = `${index}sk`;
    // Sort keys are `<start>#<id>`: `from` ≤ key includes starts at `from`; key < `to` excludes starts at `to`.
    let condition = '#pk = :pk';
    const values: Record<string, string> = { ':pk': partition };
    if (range.from !== undefined && range.to !== undefined) {
      condition += ' AND #sk BETWEEN :from AND :to';
      Object.assign(values, { ':from': range.from, ':to': range.to });
    } else if (range.from !== undefined) {
      condition += ' AND #sk >= :from';
      values[':from'] = range.from;
    } else if (range.to !== undefined) {
      condition += ' AND #sk < :to';
      values[':to'] = range.to;
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: condition.includes('#sk') ? { '#pk': pkName, '#sk': skName } : { '#pk': pkName },
      ExpressionAttributeValues: marshall(values),
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, {
        keyNames: index === 'gsi1' ? GSI1_KEYS : GSI2_KEYS,
        partition: { name: pkName, value: partition },
        accept: (key) => {
          const sort = key[skName] ?? '';
          return (range.from === undefined || sort >= range.from) && (range.to === undefined || sort < range.to);
        },
      }),
    };
    const result = await this.db.send(new QueryCommand(input));
    const items = (result.Items ?? []).map((item) => withoutStorageAttributes<StoredAppointment>(unmarshall(item)));
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  private async conditionalUpdate(
    id: string,
    set: Record<string, unknown>,
    remove: readonly string[],
    condition: string,
    conditionNames: Record<string, string>,
    conditionValues: Record<string, unknown>,
  ): Promise<StoredAppointment | undefined> {
    const parts = updateParts(set, remove);
    const values: Record<string, AttributeValue> = toValues({ ...parts.values, ...conditionValues });
    const names = { ...parts.names, ...conditionNames };
    try {
      const result = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(schedulingKeys.appointment(id)),
          UpdateExpression: parts.expression,
          // attribute_exists: an update never creates an appointment out of nothing.
          ConditionExpression: `attribute_exists(pk) AND ${condition}`,
          ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return withoutStorageAttributes<StoredAppointment>(unmarshall(result.Attributes ?? {}));
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
