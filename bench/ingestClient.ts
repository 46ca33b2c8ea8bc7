/**
 * The HTTP side of the ingest benchmark, run as its own process as an agent would be: sends
 * `events` log events in batches of `batch` to `streams` runs at once, then prints the elapsed
 * milliseconds as JSON. Arguments: base URL, token, events, batch, run ids (comma-separated).
 */
const [base, token, eventsArg, batchArg, runIds] = process.argv.slice(2);
const events = Number(eventsArg);
const batch = Number(batchArg);
const runs = runIds!.split(',');
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

function payload(i: number) {
  return {
    level: 'info',
    message: `step ${i}: ran the test suite, 3 failures in src/parser.test.ts; next: read the failing assertion and patch the tokenizer`,
    data: { step: i, file: 'src/parser.ts', line: 100 + (i % 50), ok: i % 3 === 0 },
  };
}

const perStream = events / runs.length;
const start = performance.now();
await Promise.all(
  runs.map(async (runId) => {
    for (let done = 0; done < perStream; done += batch) {
      const body = JSON.stringify({ events: Array.from({ length: batch }, (_, k) => ({ type: 'log', payload: payload(done + k) })) });
      const res = await fetch(`${base}/api/v1/runs/${runId}/events`, { method: 'POST', headers, body });
      if (res.status !== 200) throw new Error(`append failed: ${res.status} ${await res.text()}`);
    }
  }),
);
console.log(JSON.stringify({ elapsedMs: performance.now() - start }));
