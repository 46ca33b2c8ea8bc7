/**
 * `npm run bench -- <name>`: runs one benchmark (or all) and prints its numbers.
 */
const BENCHES: Record<string, () => Promise<unknown>> = {
  ingest: async () => (await import('./ingest.js')).benchIngest(),
  classify: async () => {
    const result = await (await import('./classify.js')).benchClassify();
    console.log(JSON.stringify(result, null, 2));
    return result;
  },
  queue: async () => (await import('./queue.js')).benchQueue(),
};

const names = process.argv.slice(2);
if (names.length === 0 || names.some((n) => !(n in BENCHES))) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}>...`);
  process.exit(2);
}
for (const name of names) await BENCHES[name]!();
