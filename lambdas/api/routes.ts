import { consultRoutes } from '../consults/routes.js';
import { deviceRoutes } from '../devices/routes.js';
import { recordsRoutes } from '../records/routes.js';
import { rehabQueryRoutes } from '../rehab-api/routes.js';
import { schedulingRoutes } from '../scheduling/routes.js';
import { systemRoutes } from '../system/routes.js';
import type { RouteDefinition } from './route.js';

/**
 * The route table: every route of the API. Read by the CDK `Api` construct, the local HTTP front,
 * the OpenAPI generator and the authorization matrix test. Each capability owns its list.
 */
export const routes: readonly RouteDefinition[] = [...systemRoutes, ...recordsRoutes, ...schedulingRoutes, ...consultRoutes, ...deviceRoutes, ...rehabQueryRoutes];

/** The Lambda functions behind the API, one per capability. */
export function functionNames(table: readonly RouteDefinition[] = routes): string[] {
  return [...new Set(table.map((route) => route.fn))];
}
