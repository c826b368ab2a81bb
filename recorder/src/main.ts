/** Runs the recorder worker: `node src/main.ts` (configuration from the environment, see .env.example). */
import { dispose } from '@livekit/rtc-node';
import { recorderApi } from './api.ts';
import { configOrExit } from '@loupe/protocol';
import { parseRecorderConfig } from './env.ts';
import { RecorderWorker } from './worker.ts';
import { keepMediaPrivate } from './media/private-dir.ts';

const config = configOrExit('recorder', parseRecorderConfig, process);

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
