/**
 * Booking benchmark on the local stack:
 *
 *   npx tsx bench/booking.bench.ts            (or through `npm run bench`)
 *
 * (a) 50 concurrent clients book distinct free slots through the HTTP API (front → handler → dynalite), each with its
 *     own practitioner and patient, for BENCH_SECONDS (default 10) or BENCH_MAX_BOOKINGS (default 5000): throughput,
 *     p50/p99 latency, and the DynamoDB calls one booking makes.
 * (b) In the same run, 50 concurrent clients doing raw PutItem against the same dynalite through the same SDK client:
 *     p50/p99. The ratio of (a) to (b) is our overhead over one database write.
 * Starts its own stack in a temporary folder and removes it afterwards.
 */
export {};
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CLIENTS = 50;
const HALF_HOUR_MS = 30 * 60_000;

export interface LatencySummary {
  count: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export interface BookingBenchResult {
  booking: LatencySummary & { dynamoCallsPerBooking: number };
  putItem: LatencySummary;
  ratioP50: number;
  ratioP99: number;
  /** One client at a time: the latency of a booking and of a PutItem without queueing. */
  unloaded: { bookingP50: number; putItemP50: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarize(latencies: number[], errors: number, seconds: number): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    count: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Runs `clients` loops of `step` until the deadline or the budget; returns latencies of successes and the error count. */
async function closedLoop(clients: number, seconds: number, budget: number, step: (client: number, iteration: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let iteration = 0; performance.now() < deadline && issued < budget; iteration++) {
        issued += 1;
        const t0 = performance.now();
        const ok = await step(client, iteration).catch(() => false);
        if (ok) latencies.push(performance.now() - t0);
        else errors += 1;
      }
    }),
  );
  return { latencies, errors, elapsed: (performance.now() - started) / 1000 };
}

export async function run(): Promise<BookingBenchResult> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { startLocalStack } = await import('../local/stack.js');

  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const maxBookings = Number(process.env.BENCH_MAX_BOOKINGS ?? 5000);
  const dataDir = await mkdtemp(join(tmpdir(), 'th-bench-'));
  const stack = await startLocalStack({ dataDir });
  try {
    const api = stack.endpoints.http;
    const post = (path: string, token: string, body: unknown, method = 'POST') =>
      fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = async (path: string, token: string, body: unknown, method = 'POST') => {
      const response = await post(path, token, body, method);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string };
    };

    // One practitioner (round-the-clock 30-minute slots, UTC) and one patient per client: no contention by design.
    const admin = await stack.issuer.issue({ sub: 'bench-admin', role: 'admin' });
    const facility = await created('/facilities', admin, { name: 'Bench Hospital', kind: 'hub', timeZone: 'UTC' });
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, index) => {
        const practitioner = await created('/practitioners', admin, {
          name: { given: 'Bench', family: `P${index}` }, role: 'clinician', specialties: ['bench'], facilityId: facility.id, languages: ['en'], timeZone: 'UTC', userId: `bench-prac-${index}`,
        });
        await created(`/practitioners/${practitioner.id}/availability`, admin, {
          rules: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00', slotMinutes: 30 }],
        }, 'PUT');
        const patientUser = `bench-patient-${index}`;
        const patient = await created('/patients', admin, {
          name: { given: 'Bench', family: `Q${index}` }, birthDate: '1980-01-01', contact: { email: 'bench@example.org' }, preferredLanguage: 'en', homeFacilityId: facility.id, userId: patientUser,
        });
        return { practitionerId: practitioner.id, patientId: patient.id, token: await stack.issuer.issue({ sub: patientUser, role: 'patient' }) };
      }),
    );
    const now = new Date();
    const base = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    const slotOf = (iteration: number) => new Date(base + iteration * HALF_HOUR_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const book = async (client: number, iteration: number) => {
      const { practitionerId, patientId, token } = clients[client]!;
      const response = await post('/appointments', token, { patientId, practitionerId, start: slotOf(iteration), type: 'video' });
      await response.arrayBuffer();
      return response.status === 201;
    };

    // Warm-up (JIT, connections, caches): one booking per client, far from the measured slots.
    await Promise.all(clients.map((_, client) => book(client, 2000)));

    let dynamoCalls = 0;
    stack.deps.dynamodb.middlewareStack.add((next) => async (args) => { dynamoCalls += 1; return next(args); }, { step: 'initialize', name: 'benchCallCounter' });
    const bookings = await closedLoop(CLIENTS, seconds, maxBookings, book);
    stack.deps.dynamodb.middlewareStack.remove('benchCallCounter');
    const bookingCalls = dynamoCalls;

    // Raw PutItem to the same dynalite, same client, same concurrency, for the same time.
    const table = stack.config.recordsTableName;
    const putItem = async (client: number, iteration: number) => {
      await stack.deps.dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `BENCH#${client}#${iteration}` }, sk: { S: 'BENCH' }, value: { N: String(iteration) } } }));
      return true;
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, client) => putItem(client, -1)));
    const puts = await closedLoop(CLIENTS, Math.min(seconds, 5), Number.POSITIVE_INFINITY, putItem);

    // Unloaded: one client, one request at a time — what a single booking and a single PutItem cost without queueing.
    const soloBookings = await closedLoop(1, 3, 30, (_client, iteration) => book(0, 1000 + iteration));
    const soloPuts = await closedLoop(1, 3, 200, (_client, iteration) => putItem(0, 100_000 + iteration));
    const unloaded = { bookingP50: summarize(soloBookings.latencies, 0, 1).p50, putItemP50: summarize(soloPuts.latencies, 0, 1).p50 };

    const booking = { ...summarize(bookings.latencies, bookings.errors, bookings.elapsed), dynamoCallsPerBooking: bookingCalls / Math.max(1, bookings.latencies.length + bookings.errors) };
    const putSummary = summarize(puts.latencies, puts.errors, puts.elapsed);
    const result: BookingBenchResult = { booking, putItem: putSummary, ratioP50: booking.p50 / putSummary.p50, ratioP99: booking.p99 / putSummary.p99, unloaded };

    const ms = (value: number) => `${value.toFixed(1)} ms`;
    console.log(`Booking benchmark: local stack (HTTP front → scheduling handler → dynalite), ${CLIENTS} concurrent clients, distinct slots`);
    console.log(`  bookings        ${booking.count} in ${booking.seconds.toFixed(1)} s = ${booking.perSecond.toFixed(1)} bookings/s, errors ${booking.errors}`);
    console.log(`  latency         p50 ${ms(booking.p50)}   p99 ${ms(booking.p99)}   max ${ms(booking.max)}`);
    console.log(`  DynamoDB calls  ${booking.dynamoCallsPerBooking.toFixed(1)} per booking (12 of them conditional lock writes for a 30-minute slot)`);
    console.log(`Raw PutItem, same dynalite and SDK client, ${CLIENTS} concurrent clients`);
    console.log(`  puts            ${putSummary.count} in ${putSummary.seconds.toFixed(1)} s = ${putSummary.perSecond.toFixed(0)} puts/s, errors ${putSummary.errors}`);
    console.log(`  latency         p50 ${ms(putSummary.p50)}   p99 ${ms(putSummary.p99)}   max ${ms(putSummary.max)}`);
    console.log(`Overhead: booking / PutItem latency at ${CLIENTS} clients  p50 ×${result.ratioP50.toFixed(1)}   p99 ×${result.ratioP99.toFixed(1)}`);
    console.log(`Unloaded (1 client): booking p50 ${ms(unloaded.bookingP50)}, PutItem p50 ${ms(unloaded.putItemP50)} (×${(unloaded.bookingP50 / unloaded.putItemP50).toFixed(1)})`);
    return result;
  } finally {
    await stack.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export default run;

const { pathToFileURL } = await import('node:url');
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
