// `npm run bench`: every benchmark in this folder, one after the other on an otherwise idle machine; each prints its figures.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(dir)).filter((file) => file.endsWith('.bench.ts') && (only.length === 0 || only.some((name) => file.includes(name)))).sort();
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const module = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<void>; default?: () => Promise<void> };
  const run = module.run ?? module.default;
  if (!run) throw new Error(`${file} exports no run()`);
  await run();
}
