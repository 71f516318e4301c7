import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { Conflict } from '../shared/errors.js';
import {
  GSI1_KEYS,
  GSI2_KEYS,
  decodeCursor,
  encodeCursor,
  isConditionFailure,
  withoutStorageAttributes,
  type Page,
  type PageRequest,
} from './dynamo-support.js';
import { recordKeys } from './keys.js';
import type { CareRelationship, CareRelationshipSource, Facility, Patient, Practitioner, UserProfileClaim } from './model.js';
import type { RecordsStore } from './store.js';

/**
 * A claim left behind by a crash between writing the claim and writing its record (no transactions: see
 * docs/data-model.md) may be taken over after this long. Far above the functions' 10 s timeout.
 */
export const ORPHANED_CLAIM_AFTER_MS = 60_000;

const toItem = (value: object) => marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });

export class DynamoRecordsStore implements RecordsStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ---- facilities ------------------------------------------------------------------------------------------------

  async putFacility(facility: Facility): Promise<void> {
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({
          ...recordKeys.facility(facility.id),
          gsi1pk: recordKeys.facilityList(),
          gsi1sk: facility.id,
          gsi2pk: `${recordKeys.facilityList()}#${facility.kind}`,
          gsi2sk: facility.id,
          entity: 'facility',
          ...facility,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  getFacility(id: string): Promise<Facility | undefined> {
    return this.get<Facility>(recordKeys.facility(id));
  }

  listFacilities(filter: { kind?: Facility['kind'] }, page: PageRequest): Promise<Page<Facility>> {
    return filter.kind
      ? this.query<Facility>('gsi2', `${recordKeys.facilityList()}#${filter.kind}`, page)
      : this.query<Facility>('gsi1', recordKeys.facilityList(), page);
  }

  // ---- practitioners ---------------------------------------------------------------------------------------------

  async createPractitioner(practitioner: Practitioner): Promise<void> {
    await this.claimUser({ userId: practitioner.userId, kind: 'practitioner', recordId: practitioner.id, claimedAt: practitioner.createdAt });
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({
          ...recordKeys.practitioner(practitioner.id),
          gsi1pk: recordKeys.practitionersAtFacility(practitioner.facilityId),
          gsi1sk: practitioner.id,
          gsi2pk: recordKeys.practitionerList(),
          gsi2sk: practitioner.id,
          entity: 'practitioner',
          ...practitioner,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    // Index items carry a copy of the record, so a specialty search needs no second read. Written after the record:
    // a crash in between leaves a practitioner missing from a specialty search, never a search hit without a record.
    await Promise.all(
      practitioner.specialties.map((specialty) =>
        this.db.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({
              ...recordKeys.practitionerSpecialty(practitioner.id, specialty),
              gsi1pk: recordKeys.specialtyPartition(specialty),
              gsi1sk: recordKeys.specialtySort(practitioner.facilityId, practitioner.id),
              entity: 'practitioner-specialty',
              ...practitioner,
            }),
          }),
        ),
      ),
    );
  }

  getPractitioner(id: string): Promise<Practitioner | undefined> {
    return this.get<Practitioner>(recordKeys.practitioner(id));
  }

  async getPractitioners(ids: readonly string[]): Promise<Practitioner[]> {
    const unique = [...new Set(ids)];
    const found: Practitioner[] = [];
    for (let offset = 0; offset < unique.length; offset += 100) {
      let keys: Array<Record<string, AttributeValue>> | undefined = unique.slice(offset, offset + 100).map((id) => marshall(recordKeys.practitioner(id)));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const result: BatchGetItemCommandOutput = await this.db.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) found.push(withoutStorageAttributes<Practitioner>(unmarshall(item)));
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
        if (attempt > 8 && keys?.length) throw new Error('BatchGetItem kept returning unprocessed keys');
      }
    }
    return found;
  }

  listPractitioners(filter: { specialty?: string; facilityId?: string }, page: PageRequest): Promise<Page<Practitioner>> {
    if (filter.specialty) {
      return this.query<Practitioner>('gsi1', recordKeys.specialtyPartition(filter.specialty), page, filter.facilityId ? `${filter.facilityId}#` : undefined);
    }
    if (filter.facilityId) return this.query<Practitioner>('gsi1', recordKeys.practitionersAtFacility(filter.facilityId), page);
    return this.query<Practitioner>('gsi2', recordKeys.practitionerList(), page);
  }

  // ---- patients --------------------------------------------------------------------------------------------------

  async createPatient(patient: Patient): Promise<void> {
    await this.claimUser({ userId: patient.userId, kind: 'patient', recordId: patient.id, claimedAt: patient.createdAt });
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({ ...recordKeys.patient(patient.id), entity: 'patient', ...patient }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  getPatient(id: string): Promise<Patient | undefined> {
    return this.get<Patient>(recordKeys.patient(id));
  }

  getUserClaim(userId: string): Promise<UserProfileClaim | undefined> {
    return this.get<UserProfileClaim>(recordKeys.userClaim(userId));
  }

  /**
   * One profile per account, enforced by a conditional write on `USER#<userId>`. The claim is written before the
   * record, so a crash can leave a claim without its record; such a claim is taken over once it is older than
   * ORPHANED_CLAIM_AFTER_MS, conditionally on still naming the record that never came.
   */
  private async claimUser(claim: UserProfileClaim): Promise<void> {
    const item = toItem({ ...recordKeys.userClaim(claim.userId), entity: 'user-claim', ...claim });
    try {
      await this.db.send(new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.getUserClaim(claim.userId);
    const taken = new Conflict('this account already has a profile');
    if (!existing) throw taken;
    const record = existing.kind === 'patient' ? await this.getPatient(existing.recordId) : await this.getPractitioner(existing.recordId);
    if (record || this.now().getTime() - Date.parse(existing.claimedAt) < ORPHANED_CLAIM_AFTER_MS) throw taken;
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'recordId = :orphan',
          ExpressionAttributeValues: { ':orphan': { S: existing.recordId } },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw taken;
      throw error;
    }
  }

  // ---- care relationships ----------------------------------------------------------------------------------------

  async ensureCareRelationship(patientId: string, practitionerId: string, source: CareRelationshipSource, now: Date): Promise<CareRelationship> {
    const result = await this.db.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(recordKeys.careRelationship(patientId, practitionerId)),
        // if_not_exists keeps the first source and date: the relationship began then.
        UpdateExpression:
          'SET entity = :entity, patientId = :patientId, practitionerId = :practitionerId, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, #source = if_not_exists(#source, :source), since = if_not_exists(since, :since)',
        ExpressionAttributeNames: { '#source': 'source' },
        ExpressionAttributeValues: marshall({
          ':entity': 'care-relationship',
          ':patientId': patientId,
          ':practitionerId': practitionerId,
          ':gsi1pk': recordKeys.patientsOfPractitioner(practitionerId),
          ':gsi1sk': `PAT#${patientId}`,
          ':source': source,
          ':since': now.toISOString(),
        }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return withoutStorageAttributes<CareRelationship>(unmarshall(result.Attributes ?? {}));
  }

  getCareRelationship(patientId: string, practitionerId: string): Promise<CareRelationship | undefined> {
    return this.get<CareRelationship>(recordKeys.careRelationship(patientId, practitionerId));
  }

  // ---- plumbing --------------------------------------------------------------------------------------------------

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const result = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }));
    return result.Item ? withoutStorageAttributes<T>(unmarshall(result.Item)) : undefined;
  }

  private async query<T>(index: 'gsi1' | 'gsi2', partition: string, page: PageRequest, sortPrefix?: string): Promise<Page<T>> {
    const pkName = `${index}pk`;
    const skName = `${index}sk`;
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: sortPrefix ? '#pk = :pk AND begins_with(#sk, :prefix)' : '#pk = :pk',
      ExpressionAttributeNames: sortPrefix ? { '#pk': pkName, '#sk': skName } : { '#pk': pkName },
      ExpressionAttributeValues: marshall(sortPrefix ? { ':pk': partition, ':prefix': sortPrefix } : { ':pk': partition }),
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, {
        keyNames: index === 'gsi1' ? GSI1_KEYS : GSI2_KEYS,
        partition: { name: pkName, value: partition },
        accept: (key) => sortPrefix === undefined || (key[skName] ?? '').startsWith(sortPrefix),
      }),
    };
    const result = await this.db.send(new QueryCommand(input));
    const items = (result.Items ?? []).map((item) => withoutStorageAttributes<T>(unmarshall(item)));
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }
}
