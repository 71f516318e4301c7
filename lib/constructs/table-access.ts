import { Stack, Token, Validations } from 'aws-cdk-lib';
import { TableV2, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import { auditTable, physicalName, recordsTable, type TableDefinition } from '../../lambdas/definitions/tables.js';

export interface TableAccessProps {
  readonly stage: string;
  /** The data key the tables are encrypted with. */
  readonly key: IKey;
}

/**
 * The stateful stack's tables as the stateless stack sees them: imported by their fixed names, so the
 * two stacks are not chained by CloudFormation exports and grants name readable ARNs.
 */
export class TableAccess extends Construct {
  public readonly records: ITableV2;
  public readonly audit: ITableV2;
  private readonly indexedTables: readonly string[];

  constructor(scope: Construct, id: string, props: TableAccessProps) {
    super(scope, id);
    const load = (definition: TableDefinition) =>
      TableV2.fromTableAttributes(this, definition.logicalName, {
        tableName: physicalName(props.stage, definition.logicalName),
        encryptionKey: props.key,
        globalIndexes: definition.globalSecondaryIndexes.map((index) => index.indexName),
      });
    this.records = load(recordsTable);
    this.audit = load(auditTable);
    this.indexedTables = [recordsTable, auditTable].filter((t) => t.globalSecondaryIndexes.length).map((t) => physicalName(props.stage, t.logicalName));
  }

  /** Grants on an indexed table include `table/<name>/index/*`: queries may use any of the table's indexes. */
  acknowledgeIndexWildcards(scope: IConstruct): void {
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    for (const name of this.indexedTables) {
      Validations.of(scope).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:${region}:${account}:table/${name}/index/*]`,
        reason: `Queries on ${name} use its global secondary indexes; the wildcard covers only that table's indexes.`,
      });
    }
  }
}
