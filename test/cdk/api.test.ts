import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lambdas/api/routes.js';
import { synthApp } from '../helpers/cdk.js';

describe('Api, Auth and functions (stateless stack)', () => {
  let template: Template;
  beforeAll(() => {
    template = synthApp().stateless;
  });

  it('creates one method per route, with the Cognito authorizer on every non-public route', () => {
    for (const route of routes) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: route.method,
        OperationName: route.operationId,
        AuthorizationType: route.auth === 'public' ? 'NONE' : 'COGNITO_USER_POOLS',
        ...(route.auth === 'user' ? { AuthorizerId: { Ref: Match.stringLikeRegexp('Authorizer') } } : {}),
      });
    }
    // Public by design: liveness, the API document, and the two guest steps of a consult invite (guests have no account).
    expect(routes.filter((route) => route.auth === 'public').map((route) => route.path).sort()).toEqual(
      ['/consult-invites/redeem', '/consults/{id}/guest-join', '/health', '/openapi.json'],
    );
  });

  it('uses a regional endpoint with access logs, tracing and throttling', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: Match.arrayWith([Match.objectLike({ LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 })]),
    });
  });

  it('can be private behind VPC endpoints', () => {
    const template = synthApp({ endpointType: 'private', vpcEndpointIds: 'vpce-0123456789abcdef0' }).stateless;
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0123456789abcdef0'] },
      Policy: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'] } } })]) }),
    });
    expect(() => synthApp({ endpointType: 'private' })).toThrow(/vpcEndpointIds/);
  });

  it('puts a WAF web ACL with AWS managed rule groups in front of the stage, with logging', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } } }),
        Match.objectLike({ Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' } } }),
      ]),
    });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: Match.anyValue(), WebACLArn: Match.anyValue() });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', { RedactedFields: Match.arrayWith([{ SingleHeader: { Name: 'authorization' } }]) });
  });

  it('answers gateway errors as problem+json', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
    });
  });

  it('has a user pool with the four role groups, MFA and threat protection', () => {
    for (const group of ['patient', 'clinician', 'therapist', 'admin']) {
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
    }
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('builds every function on the latest Node.js runtime, arm64, traced, with an encrypted log group kept for the configured time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ RECORDS_TABLE_NAME: 'telehealth-dev-records', NODE_OPTIONS: '--enable-source-maps' }) },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('Logs') } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
    const retained = synthApp({ logRetentionDays: 2557 }).stateless;
    retained.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 2557 });
  });

  it('grants functions the records table and only PutItem and Query on the audit table', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:PutItem', 'dynamodb:Query'],
            Resource: Match.arrayWith([{ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':table/telehealth-dev-audit$')])] }]),
          }),
        ]),
      },
    });
  });
});
