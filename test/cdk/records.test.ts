import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { synthApp } from '../helpers/cdk.js';

describe('Records (stateful stack)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthApp().stateful;
  });

  it('has a customer-managed key with rotation, retained', () => {
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('keeps records and audit tables on demand, with PITR, deletion protection and the customer key', () => {
    for (const name of ['telehealth-dev-records', 'telehealth-dev-audit']) {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [
            Match.objectLike({
              DeletionProtectionEnabled: true,
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              SSESpecification: { KMSMasterKeyId: Match.anyValue() },
            }),
          ],
        }),
      });
    }
  });

  it('gives the records table its indexes and TTL from the shared definition', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'telehealth-dev-records',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: 'gsi1' }), Match.objectLike({ IndexName: 'gsi2' })]),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('encrypts the telemetry stream with the customer key and retains it', () => {
    template.hasResource('AWS::Kinesis::Stream', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Name: 'telehealth-dev-telemetry',
        StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DataKey'), 'Arn'] } },
      }),
    });
  });

  it('backs the tables up daily', () => {
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': Match.anyValue() })]) }),
    });
  });

  it('lets a throwaway stage destroy its data on delete', () => {
    const template = synthApp({ stage: 'pr42', removalPolicy: 'destroy' }).stateful;
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ TableName: 'telehealth-pr42-records' }) });
    expect(() => synthApp({ removalPolicy: 'sometimes' })).toThrow(/removalPolicy/);
  });
});
