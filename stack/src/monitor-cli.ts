/**
 * The monitor simulator as a command (`make start` runs it for the demo session):
 *
 *   node stack/src/monitor-cli.ts --bed 'DEMO-OR1^^1' [--host 127.0.0.1] [--port 2575] [--interval 2000]
 *
 * Sends an ORU^R01 every `--interval` ms to the api's HL7 listener (LOUPE_HL7_PORT) and prints
 * each message's values and the api's answer; an alarm episode (SpO₂ dip) comes every 3 minutes.
 */
import { parseArgs } from 'node:util';
import { MonitorSimulator } from './monitor-simulator.ts';

const { values: args } = parseArgs({
  options: {
    bed: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.LOUPE_HL7_PORT ?? '2575' },
    interval: { type: 'string', default: '2000' },
  },
});
const port = Number(args.port);
const interval = Number(args.interval);
if (!args.bed || !Number.isInteger(port) || port < 1 || port > 65535 || !(interval >= 200)) {
  console.error("usage: monitor-cli.ts --bed 'OR1^^1' [--host 127.0.0.1] [--port 2575] [--interval 2000 (ms, ≥ 200)]");
  process.exit(2);
}

const monitor = new MonitorSimulator({
  host: args.host,
  port,
  bed: args.bed,
  onSent: ({ values: v, ack, reason }) =>
    console.log(
      `bed ${args.bed}: HR ${v.hr} SpO2 ${v.spo2} NIBP ${v.nibpSys}/${v.nibpDia} (${v.nibpMean}) RR ${v.rr} T ${v.temp} EtCO2 ${v.etco2} → ${ack}${reason ? ` (${reason})` : ''}`,
    ),
});
console.log(`Monitor simulator: bed ${args.bed} → MLLP ${args.host}:${port}, every ${interval} ms; an SpO₂ dip every 3 min from minute 1`);
monitor.run(interval, (err) => console.error(`monitor: ${(err as Error).message}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => monitor.stop());
