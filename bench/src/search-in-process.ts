/**
 * The search measure's baseline, run as its own fresh process (no million-row fill behind it,
 * no HTTP client beside it): the same searches, through the same `listCases`, on the same file.
 * Usage: node search-in-process.ts <dbUrl> <user as JSON> <passes> < queries.json; prints timings (ms).
 */
import { text } from 'node:stream/consumers';
import { listCases, openDb } from '@loupe/api';

const [dbUrl, user, rounds] = process.argv.slice(2);
const qs = JSON.parse(await text(process.stdin)) as string[];
const { db, client } = await openDb(dbUrl!);
const reader = JSON.parse(user!) as Parameters<typeof listCases>[1];
const search = (q: string) => listCases(db, reader, { q, page: 1, pageSize: 20 });
for (const q of qs.slice(0, 10)) await search(q);
const times: number[] = [];
for (let round = 0; round < Number(rounds); round++) {
  for (const q of qs) {
    const t = performance.now();
    await search(q);
    times.push(performance.now() - t);
  }
}
client.close();
process.stdout.write(JSON.stringify(times));
