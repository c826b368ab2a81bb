/**
 * The recorder worker. This first version watches livekit-server's rooms and reports
 * which live rooms exist; joining them as a hidden participant and archiving teaching
 * cases is issue 4's work (see README).
 */
import { RoomServiceClient } from 'livekit-server-sdk';
import { parseRecorderConfig, type RecorderConfig } from './env.ts';

let config: RecorderConfig;
try {
  config = parseRecorderConfig(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

const rooms = new RoomServiceClient(config.LIVEKIT_URL, config.LIVEKIT_API_KEY, config.LIVEKIT_API_SECRET);
const abort = new AbortController();
let known = new Set<string>();

async function watch(signal: AbortSignal) {
  while (!signal.aborted) {
    try {
      const names = new Set((await rooms.listRooms()).map((r) => r.name));
      for (const name of names) if (!known.has(name)) console.log(`room ${name} is live`);
      for (const name of known) if (!names.has(name)) console.log(`room ${name} closed`);
      known = names;
    } catch (err) {
      console.error(`livekit-server not reachable: ${(err as Error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, config.LOUPE_RECORDER_POLL_MS));
  }
}

console.log('recorder watching livekit-server for live rooms');
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());
abort.signal.addEventListener('abort', () => process.exit(0));
void watch(abort.signal);
