import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start servers on free ports in temp folders, so files may run in parallel;
    // two workers match the 2-core machines this runs on.
    maxWorkers: 2,
    testTimeout: 60_000,
    // The handlers' runtime settings, as the local stack sets them: quiet logs, no EMF metrics, no X-Ray.
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    hookTimeout: 60_000,
  },
});
