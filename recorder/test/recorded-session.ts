/**
 * A live session for the recorder's fault tests, all real processes: livekit-server, the api
 * and the recorder worker each in their own process, a host and a theatre signed in over HTTP,
 * and theatre publishing a numbered picture from rtc-node.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Room, dispose } from '@livekit/rtc-node';
import { afterAll, afterEach } from 'vitest';
import { createUser, migrateDb, openDb } from '@loupe/api';
import { startApiProcess, startCluster, startLiveKit, startRecorderProcess, type Cluster, type LiveKit, type RunningApi, type RunningApp } from '@loupe/stack';
import { ANNOTATION_VERSION, MAIN_SOURCE_KEY, parseRoomMetadata, sourceTrackName, type AnnotationOp } from '@loupe/protocol';
import { apiAs, ok } from './api-client.ts';
import { NumberedPicture, NumberedSources, publishNumberedPicture, type NumberedPublisher } from './numbered-picture.ts';
import { publishTone } from './tone.ts';

export const CONSENT = { consentOnFile: true, noIdentifiersInView: true } as const;

type Person = { email: string; cookie: string };
type Recording = Awaited<ReturnType<typeof currentRecording>>;
const currentRecording = (url: string, cookie: string, id: string) => ok(apiAs(url, cookie).sessions[':id'].recording.$get({ param: { id } }));

export type RecordedSession = {
  api: RunningApi;
  readonly recorder: RunningApp;
  /** kill -9 of the recorder, `meanwhile` (its disk lost, say), and a new recorder process in its place. */
  replaceRecorder(meanwhile?: () => Promise<void>): Promise<void>;
  livekit: LiveKit;
  /** With `cluster: true`: Redis, two livekit-server nodes, two apis (`api` is the first) and two recorders (`recorder` is the first). */
  cluster: Cluster | null;
  /** Another recorder worker against the same api and media directory, stopped with the session. */
  startWorker(env: Record<string, string>): Promise<RunningApp>;
  /** A mentor in the room (with `mentor: true`): draws, and holds the overlay. */
  mentor: (Person & { id: string; room: Room }) | null;
  sessionId: string;
  host: Person;
  theatre: Person;
  /** Theatre's room and picture now (new ones after `theatreLeaves` and `theatreReturns`). */
  readonly theatreRoom: Room;
  readonly publisher: NumberedPublisher;
  /** With `mainLabel`: theatre's pictures, its main one published under that label (add and remove others). */
  readonly sources: NumberedSources | null;
  /** Theatre leaves the room, as a closed or crashed browser does: nobody sends the picture. */
  theatreLeaves(): Promise<void>;
  /** Theatre comes back with a fresh token and publishes its picture again. */
  theatreReturns(): Promise<void>;
  /** The api's typed client as the person holding `cookie`; wrap a call in `ok` for its body. */
  as(cookie: string): ReturnType<typeof apiAs>;
  /** This session's recording as the host sees it (its status, whether degraded). */
  recording(): Promise<Recording>;
  /** Theatre starts recording, with consent on file. */
  startRecording(): Promise<Recording>;
  /** Theatre stops the recording. */
  stopRecording(): Promise<void>;
  /** What everyone in the room is told about recording (the REC badge), from room metadata. */
  recState(): string;
  /** Someone signed in who is not in the session. */
  outsider(): Promise<Person>;
  /** The recorder's and the api's output, for a failed test. */
  logs(): string;
  stop(): Promise<void>;
};

/**
 * Starts everything with its database in `dir` and recordings in `mediaDir`. Several may run in
 * one test file, one after another; the file calls rtc-node's `dispose()` once, after all of them.
 */
export async function startRecordedSession(o: {
  dir: string;
  mediaDir: string;
  title: string;
  picture: NumberedPicture;
  /** Theatre's microphone plays a steady tone. */
  tone?: boolean;
  /** More of the recorder's environment. */
  recorderEnv?: Record<string, string>;
  /** More of the api's environment (after LOUPE_MEDIA_DIR: it may give the api a media directory of its own). */
  apiEnv?: Record<string, string>;
  /** A mentor joins the room too. */
  mentor?: boolean;
  /** Run as `make cluster` does (stack/src/cluster.ts) rather than one of each; `recorderEnv` is not used. */
  cluster?: boolean;
  /** Theatre publishes labelled sources (issue 16) from one camera clock, the main one first under this label. */
  mainLabel?: string;
}): Promise<RecordedSession> {
  const recorderToken = randomBytes(32).toString('hex');
  const dbUrl = `file:${join(o.dir, 'loupe.db')}`;
  const { db, client } = await openDb(dbUrl);
  await migrateDb(db);
  // A half-started session stops what it started: no livekit-server or api left behind.
  const stops: (() => Promise<unknown>)[] = [];
  let livekit: LiveKit, api: RunningApi, recorder: RunningApp;
  let cluster: Cluster | null = null;
  try {
    if (o.cluster) {
      cluster = await startCluster({ dbUrl, mediaDir: o.mediaDir, recorderToken, apiEnv: o.apiEnv });
      stops.push(() => cluster!.stop());
      [livekit, api, recorder] = [cluster.nodes[0]!, cluster.apis[0]!, cluster.recorders[0]!];
    } else {
      livekit = await startLiveKit();
      stops.push(() => livekit.stop());
      api = await startApiProcess({ livekit, dbUrl, env: { LOUPE_RECORDER_TOKEN: recorderToken, LOUPE_MEDIA_DIR: o.mediaDir, ...o.apiEnv } });
      stops.push(() => api.stop());
      recorder = await startRecorderProcess({ livekit, apiUrl: api.url, recorderToken, mediaDir: o.mediaDir, env: o.recorderEnv });
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    client.close();
    throw err;
  }

  const as = (cookie: string) => apiAs(api.url, cookie);
  const workers: RunningApp[] = [];
  const person = async (name: string, role: 'surgeon' | 'mentor' = 'surgeon'): Promise<Person & { id: string }> => {
    const email = `${name}@hospital.test`;
    const user = await createUser(db, { email, name, role, password: 'a long enough passphrase' });
    const res = await fetch(`${api.url}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a long enough passphrase' }),
    });
    return { id: user.id, email, cookie: /loupe_session=[^;]+/.exec(res.headers.get('set-cookie')!)![0] };
  };

  const host = await person('host');
  const theatre = await person('theatre');
  const session = await ok(
    as(host.cookie).sessions.$post({
      json: { title: o.title, procedure: 'Cholecystectomy', specialty: 'General surgery', scheduledAt: new Date().toISOString() },
    }),
  );
  const param = { id: session.id };
  await ok(as(host.cookie).sessions[':id'].members.$post({ param, json: { email: theatre.email, role: 'theatre' } }));
  await ok(as(host.cookie).sessions[':id'].start.$post({ param }));
  const joinRoom = async () => {
    const { token, url } = await ok(as(theatre.cookie).sessions[':id'].token.$post({ param, query: {} }));
    const room = new Room();
    await room.connect(url, token, { autoSubscribe: false, dynacast: false });
    const tone = o.tone ? await publishTone(room) : null;
    if (o.mainLabel === undefined) return { room, publisher: await publishNumberedPicture(room, o.picture), sources: null, tone };
    const sources = new NumberedSources(room, o.picture);
    await sources.add(sourceTrackName(MAIN_SOURCE_KEY, o.mainLabel));
    return { room, publisher: sources, sources, tone };
  };
  let sending = await joinRoom();
  let present = true;
  let mentor: RecordedSession['mentor'] = null;
  if (o.mentor) {
    const m = await person('mentor', 'mentor');
    await ok(as(host.cookie).sessions[':id'].members.$post({ param, json: { email: m.email, role: 'mentor' } }));
    const { token, url } = await ok(as(m.cookie).sessions[':id'].token.$post({ param, query: {} }));
    const room = new Room();
    await room.connect(url, token, { autoSubscribe: false, dynacast: false });
    mentor = { ...m, room };
  }

  const startRecorder = () => startRecorderProcess({ livekit, apiUrl: api.url, recorderToken, mediaDir: o.mediaDir, env: o.recorderEnv });
  return {
    api,
    get recorder() {
      return recorder;
    },
    async replaceRecorder(meanwhile) {
      await recorder.service.kill();
      await meanwhile?.();
      recorder = await startRecorder();
    },
    livekit,
    cluster,
    mentor,
    async startWorker(env) {
      const worker = await startRecorderProcess({ livekit, apiUrl: api.url, recorderToken, mediaDir: o.mediaDir, env });
      workers.push(worker);
      return worker;
    },
    sessionId: session.id,
    host,
    theatre,
    get theatreRoom() {
      return sending.room;
    },
    get publisher() {
      return sending.publisher;
    },
    get sources() {
      return sending.sources;
    },
    async theatreLeaves() {
      present = false;
      await sending.tone?.stop();
      await sending.publisher.stop();
      await sending.room.disconnect();
    },
    async theatreReturns() {
      sending = await joinRoom();
      present = true;
    },
    as,
    recording: () => currentRecording(api.url, host.cookie, session.id),
    startRecording: () => ok(as(theatre.cookie).sessions[':id'].recording.$post({ param, json: CONSENT })),
    stopRecording: async () => void (await ok(as(theatre.cookie).sessions[':id'].recording.stop.$post({ param }))),
    recState: () => parseRoomMetadata(sending.room.metadata).recording,
    outsider: () => person(`outsider-${randomBytes(4).toString('hex')}`),
    logs: () =>
      [...(cluster?.recorders ?? [recorder]), ...workers].map((r, i) => `recorder ${i}:\n${r.service.output()}\n`).join('') +
      (cluster?.apis ?? [api]).map((a) => `api:\n${a.service.output()}`).join(''),
    /** Every step runs even if one before it fails: a failed test must not leave a livekit-server behind. */
    async stop() {
      const gone = async () => undefined;
      const steps = [
        async () => (present ? sending.tone?.stop() : undefined),
        () => (present ? sending.publisher.stop() : gone()),
        () => (present ? sending.room.disconnect() : gone()),
        async () => mentor?.room.disconnect(),
        ...(cluster ? [] : [() => recorder.stop()]),
        ...workers.map((w) => () => w.stop()),
        ...(cluster ? [() => cluster.stop()] : [() => api.stop(), () => livekit.stop()]),
        async () => client.close(),
      ];
      const failures: unknown[] = [];
      for (const step of steps) await step().catch((err: unknown) => failures.push(err));
      if (failures.length > 0) throw new AggregateError(failures, 'stopping the recorded session');
    },
  };
}

/**
 * For a test file whose tests each start sessions of their own: each session handed to the
 * function returned is stopped after its test (passed or failed) and its folder removed, and
 * rtc-node is disposed of after the file.
 */
export function stoppedAfterEachTest(): (live: RecordedSession, dir: string) => void {
  const running: { live: RecordedSession; dir: string }[] = [];
  afterEach(async () => {
    for (const { live, dir } of running.splice(0)) {
      await live.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
  afterAll(() => dispose());
  return (live, dir) => void running.push({ live, dir });
}

/** The mentor's arrow `id`, as a page sends it: the one mark the recorder tests draw. */
export function arrowOp(o: { id: string; author: string; seq: number; frame?: AnnotationOp['frame']; source?: string }): AnnotationOp {
  return {
    v: ANNOTATION_VERSION,
    id: o.id,
    author: o.author,
    seq: o.seq,
    t: Date.now(),
    frame: o.frame ?? null,
    kind: 'shape',
    shape: 'arrow',
    from: [0.2, 0.2],
    to: [0.5, 0.5],
    style: { color: '#00e5ff', width: 'medium' },
    fade: false,
    ...(o.source ? { source: o.source } : {}),
  } as AnnotationOp;
}
