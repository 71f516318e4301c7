/**
 * End-to-end telemetry latency on the local stack: from a gateway's MQTT publish (over mutual TLS) to the metrics
 * being visible in the API (GET /patients/{id}/rehab-sessions showing the session's lastSeq at or past the message).
 * The path is the whole pipeline: broker → rule → Kinesis → poller (the event source mapping's 1 s batching window)
 * → stream processor → DynamoDB → the rehab query function. p50 / p90 / p99 / max over 100 messages.
 *
 *   npx tsx bench/telemetry-e2e.bench.ts [messages] [intervalMs]
 *
 * The gateway is registered through the API (POST /devices, local CA). Messages carry one second of two-sensor
 * 100 Hz data each and go out every `intervalMs` (default 250 ms: 4x real time, so the run takes half a minute).
 * A watcher polls the API every 20 ms as the patient would (each poll is an audited read).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface LatencyResult {
  messages: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function run(messages = 100, intervalMs = 250): Promise<LatencyResult> {
  const { startLocalStack } = await import('../local/stack.js');
  const { registerDevice, createDemoPatients } = await import('../device-firmware-sim/provision.js');
  const { buildProgramme } = await import('../device-firmware-sim/programme.js');
  const { scheduleProgramme } = await import('../device-firmware-sim/messages.js');
  const { connectDevice } = await import('../device-firmware-sim/gateway.js');
  const { encodeTelemetry } = await import('../lambdas/telemetry/codec.js');
  const { telemetryTopic } = await import('../lambdas/telemetry/topics.js');

  const dir = await mkdtemp(join(tmpdir(), 'e2e-bench-'));
  const stack = await startLocalStack({ dataDir: dir, stage: 'bench' });
  try {
    const admin = { baseUrl: stack.endpoints.http, token: await stack.issuer.issue({ sub: 'bench-admin', role: 'admin' }) };
    const label = `e2e-${Date.now().toString(36)}`;
    const [patientId] = await createDemoPatients(admin, 1, label);
    // createDemoPatients gives patient n the account `<label>-patient-<n>`.
    const patientToken = await stack.issuer.issue({ sub: `${label}-patient-1`, role: 'patient' });
    const device = await registerDevice(admin, { patientId: patientId!, placements: ['right-upper-arm', 'right-forearm'] });

    // A session long enough for `messages` messages: start, samples..., (the end is not needed).
    // A repetition with its rest takes at least 2 s at normal tempo: half as many repetitions as messages is plenty.
    const [session] = buildProgramme({ exercises: ['elbow-flexion'], noise: 'low', seed: 9, sets: 1, repsPerSet: Math.ceil(messages / 2), tempo: 'normal', initialRestS: 3, finalRestS: 2 });
    const schedule = scheduleProgramme([session!], { deviceId: device.deviceId, startTime: Date.now() });
    const toSend = schedule.messages.map(({ message }) => message).filter((message) => message.kind !== 'session-end').slice(0, messages);

    const sentAt = new Map<number, number>();
    const seenAt = new Map<number, number>();
    let watching = true;
    const watcher = (async () => {
      let last = 0;
      while (watching) {
        const response = await fetch(`${stack.endpoints.http}/patients/${patientId}/rehab-sessions?limit=1`, { headers: { authorization: `Bearer ${patientToken}` } });
        const now = performance.now();
        const body = (await response.json()) as { items?: Array<{ lastSeq: number }> };
        const lastSeq = body.items?.[0]?.lastSeq ?? 0;
        for (let seq = last + 1; seq <= lastSeq; seq++) if (!seenAt.has(seq)) seenAt.set(seq, now);
        last = Math.max(last, lastSeq);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const client = await connectDevice(device);
    const start = performance.now();
    for (const [index, message] of toSend.entries()) {
      const due = start + index * intervalMs;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const bytes = encodeTelemetry(message);
      sentAt.set(message.seq, performance.now());
      client.publish(telemetryTopic(device.deviceId), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { qos: 1 });
    }
    const lastSeq = toSend.at(-1)!.seq;
    for (const deadline = performance.now() + 30_000; !seenAt.has(lastSeq) && performance.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
    watching = false;
    await watcher;
    await client.endAsync();

    const latencies = [...sentAt].filter(([seq]) => seenAt.has(seq)).map(([seq, sent]) => seenAt.get(seq)! - sent).sort((a, b) => a - b);
    const result: LatencyResult = {
      messages: latencies.length,
      p50Ms: percentile(latencies, 50),
      p90Ms: percentile(latencies, 90),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? NaN,
    };
    console.log(`End-to-end latency, publish → visible in GET /patients/{id}/rehab-sessions (${result.messages}/${toSend.length} messages, one every ${intervalMs} ms, 2 sensors x 100 Hz x 1 s each):`);
    console.log(`  p50 ${result.p50Ms.toFixed(0)} ms   p90 ${result.p90Ms.toFixed(0)} ms   p99 ${result.p99Ms.toFixed(0)} ms   max ${result.maxMs.toFixed(0)} ms`);
    console.log('  (includes the event source mapping\'s 1 s batching window, as in AWS, and the 20 ms API poll)');
    return result;
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export default run;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [messages, intervalMs] = process.argv.slice(2).map(Number);
  await run(messages || undefined, intervalMs || undefined);
  process.exit(0);
}
