// AWS composition root of the idle rehab-session sweeper (EventBridge schedule): adapters built once per container.
import { configFromEnv } from '../runtime/config.js';
import { createDeps } from '../runtime/deps.js';
import { sessionSweeperFrom } from '../telemetry/compose.js';
import type { SweepReport } from '../telemetry/session-sweeper.js';

const deps = createDeps(configFromEnv());
const sweeper = sessionSweeperFrom(deps);

export const handler = async (): Promise<SweepReport> => {
  const report = await sweeper.sweepIdleSessions({ now: deps.now(), idleMinutes: deps.config.telemetrySessionIdleMinutes });
  // Counts and opaque session ids only: no PHI.
  console.log(JSON.stringify({ message: 'idle rehab sessions swept', idle: report.idle, interrupted: report.interrupted.length, skipped: report.skipped }));
  return report;
};
