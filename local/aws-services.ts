import { CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ResourceNotFoundException as StreamNotFound, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { Server } from 'node:http';
// dynalite and kinesalite ship no types; they are plain HTTP servers speaking the AWS JSON protocols.
// @ts-expect-error untyped CommonJS module
import dynalite from 'dynalite';
// @ts-expect-error untyped CommonJS module
import kinesalite from 'kinesalite';
import type { StreamDefinition, TableDefinition } from '../lambdas/definitions/tables.js';
import { listenHttp } from './net.js';

export interface ListeningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<ListeningServer> {
  // Both servers close their LevelDB store on close, flushing every acknowledged write.
  const listening = await listenHttp(server, port, host);
  return { url: listening.url, port: listening.port, close: () => listening.stop() };
}

/** DynamoDB on LevelDB under `path`: every acknowledged write is on disk. */
export function startDynalite(path: string, port: number, host: string): Promise<ListeningServer> {
  return listen(dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server, port, host);
}

export function startKinesalite(path: string, port: number, host: string): Promise<ListeningServer> {
  return listen(kinesalite({ path, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 }) as Server, port, host);
}

/** Creates the table from the same definition the CDK `Records` construct uses, unless it exists. */
export async function ensureTable(db: DynamoDBClient, name: string, definition: TableDefinition): Promise<void> {
  try {
    await db.send(new DescribeTableCommand({ TableName: name }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keys = [definition.partitionKey, definition.sortKey, ...definition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  const attributes = new Map(keys.filter((key) => key !== undefined).map((key) => [key.name, key.type]));
  const keySchema = (partition: { name: string }, sort?: { name: string }) => [
    { AttributeName: partition.name, KeyType: 'HASH' as const },
    ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' as const }] : []),
  ];
  await db.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
      KeySchema: keySchema(definition.partitionKey, definition.sortKey),
      ...(definition.globalSecondaryIndexes.length
        ? {
            GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
              IndexName: index.indexName,
              KeySchema: keySchema(index.partitionKey, index.sortKey),
              Projection: { ProjectionType: 'ALL' },
            })),
          }
        : {}),
    }),
  );
}

export async function ensureStream(kinesis: KinesisClient, name: string, definition: StreamDefinition): Promise<void> {
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return;
  } catch (error) {
    if (!(error instanceof StreamNotFound)) throw error;
  }
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: definition.shardCount }));
}
