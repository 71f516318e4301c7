import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, metrics and tracer per runtime process. Log lines carry ids and outcomes only:
 * request bodies and query strings are never logged because they may hold PHI.
 */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'telehealth';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Telehealth', serviceName });
export const tracer = new Tracer({ serviceName });
