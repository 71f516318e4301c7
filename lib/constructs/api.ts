import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat, AuthorizationType, CognitoUserPoolsAuthorizer, EndpointType, LambdaIntegration, LogGroupLogDestination,
  MethodLoggingLevel, RequestValidator, ResponseType, RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../lambdas/api/route.js';

export interface ApiProps {
  readonly stage: string;
  readonly organisationName: string;
  /** The route table (lambdas/api/routes.ts): one method per route. */
  readonly routes: readonly RouteDefinition[];
  /** The function serving each route's `fn`. */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly userPool: IUserPool;
  readonly allowedOrigins: readonly string[];
  readonly logRetention: RetentionDays;
  readonly logKey: IKey;
  readonly endpointType: 'regional' | 'private';
  readonly vpcEndpointIds: readonly string[];
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

/** Problem+json bodies for the errors API Gateway answers itself, so clients see one error shape. */
const gatewayProblems: ReadonlyArray<[ResponseType, number, string, string]> = [
  [ResponseType.UNAUTHORIZED, 401, 'Unauthorized', 'a valid bearer token is required'],
  [ResponseType.ACCESS_DENIED, 403, 'Forbidden', 'access denied'],
  [ResponseType.MISSING_AUTHENTICATION_TOKEN, 404, 'Not found', 'no such resource'],
  [ResponseType.THROTTLED, 429, 'Too many requests', 'slow down and retry with backoff'],
  [ResponseType.REQUEST_TOO_LARGE, 413, 'Payload too large', 'request body too large'],
  [ResponseType.WAF_FILTERED, 403, 'Forbidden', 'request blocked'],
  [ResponseType.DEFAULT_5XX, 502, 'Bad gateway', 'internal error'],
];

/** The REST API: routes from the route table, Cognito authorizer, access logs, tracing, throttling, WAF. */
export class Api extends Construct {
  public readonly restApi: RestApi;
  public readonly accessLogs: LogGroup;
  public readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, encryptionKey: props.logKey, removalPolicy: RemovalPolicy.RETAIN });
    const isPrivate = props.endpointType === 'private';

    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `telehealth-${props.stage}`,
      description: `${props.organisationName} telehealth API (${props.stage})`,
      endpointConfiguration: isPrivate
        ? { types: [EndpointType.PRIVATE], vpcEndpoints: props.vpcEndpointIds.map((vpcEndpointId) => ({ vpcEndpointId }) as never) }
        : { types: [EndpointType.REGIONAL] },
      policy: isPrivate
        ? new PolicyDocument({
            statements: [
              new PolicyStatement({ principals: [new AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] }),
              new PolicyStatement({
                effect: Effect.DENY,
                principals: [new AnyPrincipal()],
                actions: ['execute-api:Invoke'],
                resources: ['execute-api:/*'],
                conditions: { StringNotEquals: { 'aws:SourceVpce': props.vpcEndpointIds } },
              }),
            ],
          })
        : undefined,
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        tracingEnabled: true,
        // ERROR only: INFO execution logs would copy request bodies, which hold PHI, into CloudWatch.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        // No query strings or bodies: ids in paths are fine, PHI never reaches URLs by convention.
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            resource: '$context.resourcePath',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            userId: '$context.authorizer.claims.sub',
            sourceIp: '$context.identity.sourceIp',
            wafStatus: '$context.waf.status',
          }),
        ),
      },
      defaultCorsPreflightOptions: props.allowedOrigins.length
        ? { allowOrigins: [...props.allowedOrigins], allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match'], allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] }
        : undefined,
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'The account-level API Gateway CloudWatch role needs the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy; it has no access to data.',
    });
    Validations.of(this.restApi).acknowledge({
      id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
      reason: 'Responses hold patient data and are per caller: they must not be cached at the gateway at all.',
    });
    Validations.of(this.restApi).acknowledge({
      id: 'HIPAA.Security-APIGWSSLEnabled',
      reason: 'Every integration is a Lambda proxy, not an HTTP backend, so there is no backend TLS certificate to present.',
    });

    for (const [type, statusCode, title, detail] of gatewayProblems) {
      this.restApi.addGatewayResponse(`Problem${statusCode}${type.responseType}`, {
        type,
        statusCode: String(statusCode),
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: {
          'application/json': JSON.stringify({ type: 'about:blank', title, status: statusCode, detail, requestId: '$context.requestId' }),
        },
      });
    }

    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [props.userPool] });
    // The handlers validate parameters and bodies against the route schemas (one source of truth);
    // the gateway validator rejects requests missing required parameters before a Lambda runs.
    const validator = new RequestValidator(this, 'Validator', { restApi: this.restApi, validateRequestParameters: true, validateRequestBody: true });
    const integrations = new Map<string, LambdaIntegration>();
    for (const route of props.routes) {
      const fn = props.functions.get(route.fn);
      if (!fn) throw new Error(`route ${route.operationId}: no function ${route.fn}`);
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new LambdaIntegration(fn, { allowTestInvoke: false });
        integrations.set(route.fn, integration);
      }
      const method = this.restApi.root.resourceForPath(route.path).addMethod(route.method, integration, {
        operationName: route.operationId,
        requestValidator: validator,
        ...(route.auth === 'user' ? { authorizer, authorizationType: AuthorizationType.COGNITO } : { authorizationType: AuthorizationType.NONE }),
      });
      if (route.auth === 'public') {
        Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason: `${route.path} is public by design (${route.summary}) and returns no patient data.` });
        Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: `${route.path} is public by design and returns no patient data.` });
      }
    }

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: `telehealth-${props.stage}-api` },
      rules: [
        ...['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList'].map((name, priority) => ({
          name,
          priority,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: name },
        })),
        {
          name: 'RateLimitPerIp',
          priority: 10,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: 'IP' } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName: 'RateLimitPerIp' },
        },
      ],
    });
    // WAF logs: the name prefix is required by WAF; the authorization header is redacted.
    const wafLogs = new LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-telehealth-${props.stage}`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [wafLogs.logGroupArn],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { queryString: {} }],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
