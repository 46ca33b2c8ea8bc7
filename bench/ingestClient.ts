/**
 * The HTTP side of the ingest benchmark, run as its own process as an agent would be: sends
 * `events` log events in batches of `batch` to `streams` runs at once, then prints the elapsed
 * milliseconds as JSON. Arguments: base URL, token, events, batch, run ids (comma-separated).
 */
import http from 'node:http';

const [base, token, eventsArg, batchArg, runIds] = process.argv.slice(2);
const events = Number(eventsArg);
const batch = Number(batchArg);
const runs = runIds!.split(',');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One POST over a kept-alive connection (node:http: a lean load generator, as autocannon is). */
function post(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

function payload(i: number) {
  return {
    level: 'info',
    message: `step ${i}: ran the test suite, 3 failures in src/parser.test.ts; next: read the failing assertion and patch the tokenizer`,
    data: { step: i, file: 'src/parser.ts', line: 100 + (i % 50), ok: i % 3 === 0 },
  };
}

const perStream = events / runs.length;
// Bodies are built before the clock starts: serialising the agent's events is the agent's work,
// not the ingest path's, and on a 2-core machine it would compete with the server being measured.
const bodies = runs.map(() => {
  const out: Buffer[] = [];
  for (let done = 0; done < perStream; done += batch) {
    out.push(Buffer.from(JSON.stringify({ events: Array.from({ length: batch }, (_, k) => ({ type: "log", payload: payload(done + k) })) })));
  }
  return out;
});
// Warm up as a long-lived agent process would be: each stream opens its keep-alive connection.
await Promise.all(runs.map(() => post(`${base}/api/v1/runs/${runs[0]}/events`, Buffer.from('{}')))); // a 400, to warm up
const cpu0 = process.cpuUsage();
const start = performance.now();
await Promise.all(
  runs.map(async (runId, r) => {
    for (const body of bodies[r]!) {
      const res = await post(`${base}/api/v1/runs/${runId}/events`, body);
      if (res.status !== 200) throw new Error(`append failed: ${res.status} ${res.text}`);
    }
  }),
);
const elapsedMs = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ elapsedMs, clientCpuMs: (cpu.user + cpu.system) / 1000 }));
