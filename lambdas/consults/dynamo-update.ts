import { UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure, withoutStorageAttributes } from '../records/dynamo-support.js';

/**
 * One conditional UpdateItem from plain values: SET for defined values, REMOVE for `null`, names always as
 * placeholders. Returns the item as written, or undefined when the condition failed.
 */
export async function conditionalUpdate<T>(
  db: DynamoDBClient,
  tableName: string,
  key: Record<string, string>,
  changes: Record<string, unknown>,
  condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<T | undefined> {
  const names: Record<string, string> = { ...(condition.names ?? {}) };
  const values: Record<string, unknown> = { ...(condition.values ?? {}) };
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(changes).forEach(([field, value], index) => {
    if (value === undefined) return;
    names[`#c${index}`] = field;
    if (value === null) {
      removes.push(`#c${index}`);
    } else {
      values[`:c${index}`] = value;
      sets.push(`#c${index} = :c${index}`);
    }
  });
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
  const marshalled: Record<string, AttributeValue> = marshall(values, { removeUndefinedValues: true });
  try {
    const result = await db.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall(key),
        UpdateExpression: expression,
        // attribute_exists: an update never creates an item out of nothing.
        ConditionExpression: `attribute_exists(pk) AND (${condition.expression})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(marshalled).length ? marshalled : undefined,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return withoutStorageAttributes<T>(unmarshall(result.Attributes ?? {}));
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}
