/** Runs the recorder worker: `node src/main.ts` (configuration from the environment, see .env.example). */
import { dispose } from '@livekit/rtc-node';
import { recorderApi } from './api.ts';
import { parseRecorderConfig, type RecorderConfig } from './env.ts';
import { RecorderWorker } from './worker.ts';
import { keepMediaPrivate } from './media/private-dir.ts';

let config: RecorderConfig;
try {
  config = parseRecorderConfig(process.env);
} catch (err) {
  console.error(`recorder: ${(err as Error).message}`);
  process.exit(1);
}

keepMediaPrivate(config.mediaDir);
const worker = new RecorderWorker(config, recorderApi(config.apiUrl, config.recorderToken, config.workerId));
worker.start();
console.log(`recorder ${config.workerId}: media in ${config.mediaDir}, room for ${config.slots} recording(s), asking ${config.apiUrl} for work`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await worker.shutdown();
  await dispose();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
