import { Duration } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm, AlarmStatusWidget, AlarmWidget, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData,
  type IMetric, type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { TelehealthFunction } from './telehealth-function.js';

export interface ObservabilityProps {
  readonly stage: string;
  /** Encrypts the alarm topic: the stateful stack's data key, whose key policy lets CloudWatch publish with it. */
  readonly key: IKey;
  /** Subscribed to the alarm topic when set. */
  readonly alarmEmail?: string;
  /** The API's deployment stage: requests, latency, 4XX/5XX. */
  readonly apiStage: Stage;
  /** Every function of the stack, by a short name (no PHI) used in alarm names and dashboard labels. */
  readonly functions: ReadonlyMap<string, TelehealthFunction>;
  /** The tables the functions use, by short name. */
  readonly tables: ReadonlyMap<string, ITableV2>;
  /** Alarms other constructs define with their own thresholds (telemetry lag, dead letters), by title: notified and shown here. */
  readonly alarms?: ReadonlyMap<string, Alarm>;
}

/** Where the handlers' Powertools EMF metrics go (TelehealthFunction sets the namespace and service). */
const APP_NAMESPACE = 'Telehealth';
const APP_SERVICE = 'telehealth';
/** Business operations graphed on the dashboard: operation id (the `operation` dimension) → label. */
export const DASHBOARD_OPERATIONS: Readonly<Record<string, string>> = {
  createAppointment: 'appointments booked',
  cancelAppointment: 'appointments cancelled',
  startConsult: 'consults started',
  endConsult: 'consults ended',
};
/** DynamoDB operations the handlers call; an alarm's metric math takes at most 10 metrics, so not all 14. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM, Operation.BATCH_GET_ITEM, Operation.QUERY, Operation.PUT_ITEM,
  Operation.UPDATE_ITEM, Operation.DELETE_ITEM, Operation.BATCH_WRITE_ITEM,
];
const PERIOD = Duration.minutes(5);

/**
 * The stage's operational view: one encrypted alarm topic (optionally to an e-mail address) that every alarm notifies
 * on ALARM and OK; alarms on the API stage, each function, and the tables; and the `telehealth-<stage>` dashboard.
 * Alarm names carry only the stage and resource names, never request data.
 */
export class Observability extends Construct {
  public readonly alarmTopic: Topic;
  public readonly dashboard: Dashboard;
  /** Every alarm notifying the topic: this construct's and the ones passed in. */
  public readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Telehealth ${props.stage} alarms`,
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      new Subscription(this, 'AlarmEmail', { topic: this.alarmTopic, protocol: SubscriptionProtocol.EMAIL, endpoint: props.alarmEmail });
    }

    const alarms: Alarm[] = [];
    // Any datapoint over the threshold in `periods` five-minute periods; no data is no traffic, which is not a fault.
    const alarm = (id: string, name: string, description: string, metric: IMetric, threshold: number, periods = 1) => {
      alarms.push(
        new Alarm(this, id, {
          alarmName: `telehealth-${props.stage}-${name}`,
          alarmDescription: description,
          metric,
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: periods,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    };

    const api = props.apiStage;
    // 5XXError is 0 or 1 per request, so its average is the error rate.
    alarm('Api5xxRate', 'api-5xx-rate', 'More than 5% of API requests failed with 5XX for 15 minutes.', api.metricServerError({ statistic: 'Average', period: PERIOD }), 0.05, 3);
    // Well under the 29 s integration timeout, well over a warm handler (cold starts alone do not hold p99 for 15 minutes).
    alarm('ApiLatencyP99', 'api-latency-p99', 'API p99 latency above 3 s for 15 minutes.', api.metricLatency({ statistic: 'p99', period: PERIOD }), 3000, 3);

    for (const [name, construct] of props.functions) {
      const fn = construct.function;
      // The HTTP handler turns every thrown error into a response, so a Lambda error is a crash or a timeout.
      alarm(`Fn-${name}-Errors`, `fn-${name}-errors`, `Function ${name}: invocations failed (crash, timeout or out of memory).`, fn.metricErrors({ statistic: 'Sum', period: PERIOD }), 0);
      alarm(`Fn-${name}-Throttles`, `fn-${name}-throttles`, `Function ${name}: invocations throttled (account or reserved concurrency exhausted).`, fn.metricThrottles({ statistic: 'Sum', period: PERIOD }), 0);
    }
    for (const [name, table] of props.tables) {
      const options = { operations: TABLE_OPERATIONS, period: PERIOD };
      alarm(`Table-${name}-Throttles`, `table-${name}-throttles`, `Table ${name}: requests throttled.`, table.metricThrottledRequestsForOperations(options), 0);
      alarm(`Table-${name}-SystemErrors`, `table-${name}-system-errors`, `Table ${name}: DynamoDB returned 500s.`, table.metricSystemErrorsForOperations(options), 0);
    }
    alarms.push(...(props.alarms?.values() ?? []));

    const notify = new SnsAction(this.alarmTopic);
    for (const each of alarms) {
      each.addAlarmAction(notify);
      each.addOkAction(notify);
    }
    this.alarms = alarms;

    const graph = (title: string, left: IMetric[], width = 12) => new GraphWidget({ title, left, width, height: 6 });
    const app = (metricName: string, operation: string | undefined, label: string) =>
      new Metric({
        namespace: APP_NAMESPACE,
        metricName,
        dimensionsMap: operation ? { service: APP_SERVICE, operation } : { service: APP_SERVICE },
        statistic: 'Sum',
        period: PERIOD,
        label,
      });
    const functions = [...props.functions];
    const tables = [...props.tables];
    const domainAlarms = [...(props.alarms ?? [])];
    const domainWidth = Math.floor(24 / (domainAlarms.length + 1));
    const rows: IWidget[][] = [
      [new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 })],
      [
        graph('API requests', [api.metricCount({ statistic: 'Sum', period: PERIOD, label: 'requests' })], 8),
        graph('API errors', [api.metricClientError({ period: PERIOD, label: '4XX' }), api.metricServerError({ period: PERIOD, label: '5XX' })], 8),
        graph('API latency (ms)', ['p50', 'p99'].map((statistic) => api.metricLatency({ statistic, period: PERIOD, label: statistic })), 8),
      ],
      [
        graph('Bookings and consults', Object.entries(DASHBOARD_OPERATIONS).map(([operation, label]) => app('Success', operation, label))),
        graph('Server errors by operation', [
          new MathExpression({ expression: `SEARCH('{${APP_NAMESPACE},operation,service} MetricName="ServerError"', 'Sum', ${PERIOD.toSeconds()})`, label: "${PROP('Dim.operation')}", period: PERIOD }),
        ]),
      ],
      [
        graph('Function errors', functions.map(([name, { function: fn }]) => fn.metricErrors({ statistic: 'Sum', period: PERIOD, label: name }))),
        graph('Function duration p99 (ms)', functions.map(([name, { function: fn }]) => fn.metricDuration({ statistic: 'p99', period: PERIOD, label: name }))),
      ],
      [
        ...domainAlarms.map(([title, each]) => new AlarmWidget({ title, alarm: each, width: domainWidth, height: 6 })),
        graph('Telemetry records', [app('TelemetryRecords', undefined, 'processed'), app('TelemetryDeadLettered', undefined, 'dead-lettered')], domainWidth),
      ],
      [
        graph('DynamoDB consumed read capacity', tables.map(([name, table]) => table.metricConsumedReadCapacityUnits({ period: PERIOD, label: name }))),
        graph('DynamoDB consumed write capacity', tables.map(([name, table]) => table.metricConsumedWriteCapacityUnits({ period: PERIOD, label: name }))),
      ],
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `telehealth-${props.stage}`, widgets: rows });
  }
}
