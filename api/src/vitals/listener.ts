/**
 * The HL7 v2 listener monitor gateways send IHE PCD-01 ORU^R01 to, over MLLP (HL7 v2 Transport
 * Specification: each message framed VT … FS CR). Every message is answered: AA, AE with the
 * reason (malformed values, unknown monitor, out of order) or AR (not an ORU^R01, not HL7).
 * ADT^A01/A08 on the same port set the patient banner of the session bound to the bed (patient/adt.ts).
 *
 * @medplum/hl7's Hl7Server listens on every interface and retries a busy port forever; the
 * listener opens its own socket on LOUPE_HL7_HOST and hands each connection to the library's
 * Hl7Connection, which does the framing and parsing.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Hl7Message, Hl7Segment } from '@medplum/core';
import { Hl7Connection, type Hl7ErrorEvent, type Hl7MessageEvent } from '@medplum/hl7';
import type { VitalsHub } from './hub.ts';
import { readPcd01, type Refusal } from './pcd01.ts';
import { isAdt, readAdt } from '../patient/adt.ts';
import type { PatientBanners } from '../patient/banners.ts';

/** An ORU^R01 of one monitor is a few kB; a peer sending this much without a frame end is not a monitor. */
const MAX_FRAME_BYTES = 1024 * 1024;

export type Hl7Listener = { port: number; stop(): Promise<void> };

/** HL7 table 0357 message error codes the answers use. */
const ERROR_CODES = { AE: '207^Application internal error', AR: '200^Unsupported message type' } as const;

/** Starts listening; rejects when the port cannot be had (in use, not allowed). */
export async function startHl7Listener(hub: VitalsHub, { host, port }: { host: string; port: number }, patients?: PatientBanners): Promise<Hl7Listener> {
  const connections = new Set<Hl7Connection>();
  const server: Server = createServer((socket) => {
    const connection = new Hl7Connection(socket);
    connections.add(connection);
    connection.addEventListener('close', () => connections.delete(connection));
    // The library buffers until a frame ends; a peer that never ends one would fill memory.
    let unframed = 0;
    socket.on('data', (chunk: Buffer) => {
      unframed = chunk.includes(0x1c) ? 0 : unframed + chunk.length;
      if (unframed > MAX_FRAME_BYTES) {
        hub.countMalformed();
        socket.destroy();
      }
    });
    connection.addEventListener('message', ({ message }: Hl7MessageEvent) => void answer(hub, patients, connection, message));
    // A frame that is not HL7 at all (no MSH) fails in the library's parser; it has no control id to answer to.
    connection.addEventListener('error', ({ error }: Hl7ErrorEvent) => {
      if ((error as Error & { type?: string }).type !== 'entity.parse.failed' || connection.isClosed()) return;
      hub.countMalformed();
      connection.send(bareRejection('Not an HL7 v2 message: it must start with MSH'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.close()));
      await closed;
    },
  };
}

async function answer(hub: VitalsHub, patients: PatientBanners | undefined, connection: Hl7Connection, message: Hl7Message) {
  // An ACK sent to us (a confused peer) is not answered: answering ACKs with ACKs loops.
  if (message.getSegment('MSA')) return;
  let outcome: Refusal | { sessionId: string };
  try {
    if (patients && isAdt(message)) {
      const patient = readAdt(message);
      if ('reason' in patient) patients.countMalformed();
      outcome = 'reason' in patient ? patient : await patients.take(patient);
    } else {
      const reading = readPcd01(message, Date.now());
      if ('reason' in reading) hub.countMalformed();
      outcome = 'reason' in reading ? reading : await hub.take(reading);
    }
  } catch (err) {
    console.error('hl7 listener: message failed:', err);
    outcome = { ack: 'AE', reason: 'The message could not be taken; see the api log' };
  }
  if (connection.isClosed()) return;
  connection.send('reason' in outcome ? refusal(message, outcome) : message.buildAck({ ackCode: 'AA' }));
}

/** An AE or AR with the reason in MSA-3 (read by v2.3 gateways) and ERR-8 (v2.5 and later). */
function refusal(message: Hl7Message, { ack, reason }: Refusal): Hl7Message {
  const context = message.context;
  const text = escapeHl7(reason, context.fieldSeparator, context.componentSeparator);
  const err = Hl7Segment.parse(['ERR', '', '', `${ERROR_CODES[ack]}^HL70357`, 'E', '', '', '', text].join(context.fieldSeparator), context);
  const reply = message.buildAck({ ackCode: ack, errSegment: err });
  const msa = reply.getSegment('MSA')!;
  reply.setSegment('MSA', Hl7Segment.parse(['MSA', ack, msa.getField(2).toString(), text].join(context.fieldSeparator), context));
  return reply;
}

/** An AR to a frame we could not read: no control id to echo, so MSA-2 is empty. */
function bareRejection(reason: string): Hl7Message {
  const now = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const text = escapeHl7(reason, '|', '^');
  return Hl7Message.parse(`MSH|^~\\&|LOUPE|LOUPE|||${now}||ACK|${now}|P|2.6\rMSA|AR||${text}\rERR|||${ERROR_CODES.AR}^HL70357|E||||${text}`);
}

/** HL7 escape sequences (v2.5 §2.7) for the separators a reason may contain. */
function escapeHl7(text: string, field: string, component: string) {
  return text
    .replaceAll('\\', '\\E\\')
    .replaceAll(field, '\\F\\')
    .replaceAll(component, '\\S\\')
    .replaceAll('~', '\\R\\')
    .replaceAll('&', '\\T\\')
    .replace(/[\r\n]/g, ' ');
}
