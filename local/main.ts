// `npm start`: the whole backend on this machine. Set the runtime's environment before any handler module loads.
export {};
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { localDataDir } = await import('./paths.js');
const { startLocalStack } = await import('./stack.js');

const dataDir = localDataDir().root;
const port = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
};
const stack = await startLocalStack({
  dataDir,
  host: process.env.HOST ?? '127.0.0.1',
  ports: {
    http: port('PORT', 3000),
    dynamodb: port('DYNAMODB_PORT', 4567),
    kinesis: port('KINESIS_PORT', 4568),
    chime: port('CHIME_PORT', 4569),
    iotData: port('IOT_DATA_PORT', 4570),
    mqtt: port('MQTT_PORT', 8883),
    sqs: port('SQS_PORT', 4571),
  },
  allowedOrigins: (process.env.ALLOWED_ORIGINS ?? 'http://localhost:5173').split(','),
});

const lines = [
  'telehealth local stack is up',
  `  data folder            ${dataDir}`,
  `  HTTP API               ${stack.endpoints.http}   (GET /health, GET /openapi.json)`,
  `  DynamoDB (dynalite)    ${stack.endpoints.dynamodb}   tables ${stack.config.recordsTableName}, ${stack.config.auditTableName}`,
  `  Kinesis (kinesalite)   ${stack.endpoints.kinesis}   stream ${stack.config.telemetryStreamName}`,
  `  Chime SDK Meetings     ${stack.endpoints.chime}   (emulator; presence: POST /_local/meetings/{id}/attendees/{id}/join|leave|drop)`,
  `  IoT Core (MQTT, mTLS)  ${stack.endpoints.mqtt}   CA ${stack.telemetry.caDir} (devices: client certificate with CN = device id)`,
  `  IoT data plane         ${stack.endpoints.iotData}   (Publish)`,
  `  SQS                    ${stack.endpoints.sqs}   dead letters ${stack.telemetry.deadLetterQueueUrl}`,
  `  stream processor       polling ${stack.config.telemetryStreamName} -> ${stack.config.recordsTableName}`,
  '  token                  npm run token -- --role clinician --sub <userId>',
  'Ctrl-C stops it; data stays in the data folder.',
];
console.log(lines.join('\n'));

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await stack.close();
  console.log('stopped cleanly');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
