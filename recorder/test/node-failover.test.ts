/**
 * The recorder outlives the livekit-server node its room is on. A cluster as `make cluster`
 * runs it (Redis, two nodes, two apis; real processes), a session being recorded, and kill -9 of
 * the node that hosts its room: only the node dies. The worker that was recording joins the room
 * again through the surviving node and goes on with the same case: one timeline, the time away
 * marked as a gap, the drawings from before, during and after the move.
 *
 * Which node the recorder signals through is set, not left to chance: through the room's own
 * node (rtc-node loses its connection), or through the other, the one that survives (LiveKit
 * relays the signalling; rtc-node reports nothing, and only the picture stopping tells).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Room, RoomEvent } from '@livekit/rtc-node';
import { describe, expect, it, onTestFailed } from 'vitest';
import { ANNOTATION_VERSION, CaseTrack, TOPICS } from '@loupe/protocol';
import { readEventLog } from '../src/event-log.ts';
import { recordingPaths } from '../src/media/recording-files.ts';
import { ok } from './api-client.ts';
import { NumberedPicture, frameNumbers } from './numbered-picture.ts';
import { arrowOp, startRecordedSession, stoppedAfterEachTest } from './recorded-session.ts';

const run = promisify(execFile);
const stopAfterTest = stoppedAfterEachTest();

/** `attempt` until it works: joining through the surviving node fails until Redis stops counting the dead one. */
async function untilJoined<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('a recording whose livekit-server node dies', () => {
  it.each([
    { through: 'the room’s own node', viaSurvivor: false },
    { through: 'the node that survives', viaSurvivor: true },
  ])(
    'signalling through $through, moves with its room to the surviving node: one case, the gap marked, every op drawn before, during and after',
    async ({ viaSurvivor }) => {
      const dir = await mkdtemp(join(tmpdir(), 'loupe-node-failover-'));
      const mediaDir = join(dir, 'media');
      const live = await startRecordedSession({ dir, mediaDir, title: 'Node failover', picture: new NumberedPicture(640, 360), mentor: true, cluster: true });
      stopAfterTest(live, dir);
      onTestFailed(() => console.log(live.logs()));
      const cluster = live.cluster!;
      const mentor = live.mentor!;

      // The mentor's page: sends each op, answers a request for the overlay with all it drew, and
      // sends what it drew while away once it is back, as the web app does.
      const ops: { id: string }[] = [];
      const answerResyncs = (room: Room) =>
        room.on(RoomEvent.DataReceived, (payload, participant, _kind, topic) => {
          if (topic !== TOPICS.resync || participant) return;
          const { requester } = JSON.parse(new TextDecoder().decode(payload)) as { requester: string };
          void room.localParticipant!.sendText(JSON.stringify({ v: ANNOTATION_VERSION, kind: 'snapshot', ops }), {
            topic: TOPICS.snapshot,
            destinationIdentities: [requester],
          });
        });
      const send = (op: object) =>
        mentor.room.localParticipant!.publishData(new TextEncoder().encode(JSON.stringify(op)), { reliable: true, topic: TOPICS.ops });
      const drawn = (id: string) => {
        const op = arrowOp({ id, author: mentor.id, seq: ops.length });
        ops.push(op);
        return op;
      };
      answerResyncs(mentor.room);

      // The room is on a node of LiveKit's choosing: the worker that records it is given that node
      // or the other first (the cluster's own workers, which would list them in a fixed order, go).
      await expect.poll(() => cluster.nodeOfRoom(live.sessionId), { timeout: 10_000, interval: 100 }).not.toBeNull();
      const hosting = await cluster.nodeOfRoom(live.sessionId);
      const index = cluster.nodeIds.indexOf(hosting ?? '');
      expect(index).toBeGreaterThanOrEqual(0);
      const survivor = cluster.nodeIds[1 - index]!;
      const [roomNode, otherNode] = [cluster.livekitUrls[index]!, cluster.livekitUrls[1 - index]!];
      for (const recorder of cluster.recorders) await recorder.stop();
      const worker = await live.startWorker({ LOUPE_LIVEKIT_URLS: (viaSurvivor ? [otherNode, roomNode] : [roomNode, otherNode]).join(',') });

      const recording = await live.startRecording();
      await expect.poll(live.recState, { timeout: 30_000 }).toBe('recording');
      const paths = recordingPaths(mediaDir, recording.id);
      const log = () => readEventLog(paths.events);
      const loggedOps = () => log().flatMap((e) => (e.type === 'op' ? [(e.op as { id: string }).id] : []));
      const segments = () => readdirSync(paths.segments).length;
      await expect.poll(segments, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(2);
      await send(drawn('before'));
      await expect.poll(loggedOps, { timeout: 10_000, interval: 100 }).toContain('before');

      expect(await cluster.nodeOfRoom(live.sessionId)).toBe(hosting);
      const killedAtFrame = live.publisher.sent;
      await cluster.nodes[index]!.service.kill();
      const killedAt = Date.now();
      // Drawn while the room is gone: the mentor's page holds it and sends it once back.
      const during = drawn('during');

      // Theatre's and the mentor's pages join again through the node the api hands out now.
      await live.theatreLeaves().catch(() => undefined);
      await untilJoined(() => live.theatreReturns(), 60_000);
      await mentor.room.disconnect().catch(() => undefined);
      mentor.room = await untilJoined(async () => {
        const { token, url } = await ok(live.as(mentor.cookie).sessions[':id'].token.$post({ param: { id: live.sessionId }, query: {} }));
        const room = new Room();
        await room.connect(url, token, { autoSubscribe: false, dynacast: false }).catch(async (err: unknown) => {
          await room.disconnect().catch(() => undefined);
          throw err;
        });
        return room;
      }, 60_000);
      answerResyncs(mentor.room);
      await send(during);

      // The recorder is back: it records theatre's picture again, and says how long it was away.
      await expect.poll(() => log().some((e) => e.type === 'gap'), { timeout: 60_000, interval: 200 }).toBe(true);
      const gap = log().find((e) => e.type === 'gap')!;
      expect(gap.reason).toBe(`left the room and joined it again through ${otherNode}`);
      // The worker says how it noticed: rtc-node reconnecting from a dead node, or (signalling
      // through the survivor, where rtc-node usually says nothing) the picture stopping while a node went quiet.
      const roomsLeft = () =>
        worker.service
          .output()
          .split('\n')
          .filter((line) => /joining (the room|it) afresh|joining the room through another/.test(line));
      console.log(roomsLeft().join('\n'));
      console.log(
        `signalling through ${viaSurvivor ? 'the survivor' : 'the room’s node'}: recorder back on the surviving node ${gap.at - killedAt} ms after kill -9 of the room's node; ${String(gap.lostMs)} ms marked as a gap on the case`,
      );
      expect(await cluster.nodeOfRoom(live.sessionId)).toBe(survivor);
      await expect.poll(loggedOps, { timeout: 10_000, interval: 100 }).toContain('during');
      await send(drawn('after'));
      await expect.poll(loggedOps, { timeout: 10_000, interval: 100 }).toContain('after');
      const from = live.publisher.sent;
      await expect.poll(() => live.publisher.sent, { timeout: 30_000 }).toBeGreaterThanOrEqual(from + 60);

      await live.stopRecording();
      await expect.poll(async () => (await live.recording()).status, { timeout: 60_000, interval: 250 }).toBe('ready');
      const video = join(paths.dir, 'case.mp4');
      expect((await run('ffmpeg', ['-v', 'error', '-i', video, '-f', 'null', '-'])).stderr).toBe('');
      const track = CaseTrack.parse(JSON.parse(await readFile(join(paths.dir, 'annotations.json'), 'utf8')));
      const ids = track.events.flatMap((e) => (e.type === 'op' && e.op ? [e.op.id] : []));
      expect(new Set(ids)).toEqual(new Set(['before', 'during', 'after']));
      const marked = track.gaps.filter((g) => g.kind === 'restart');
      expect(marked).toHaveLength(1);
      expect(marked[0]!.ms).toBeGreaterThan(0);
      // One worker wrote it all, under one lease: the recording moved, it was not taken over.
      // It left the room once: not again while theatre and the mentor came back, the dead node still dead.
      expect(roomsLeft()).toHaveLength(1);
      const writers = log().flatMap((e) => (e.type === 'start' || e.type === 'gap' ? [JSON.stringify(e.writer)] : []));
      expect(writers).toHaveLength(2);
      expect(new Set(writers).size).toBe(1);

      // One timeline: theatre's first picture up to the kill, then its picture from the new room
      // (numbered from 0 again), each in order, nothing from the time away.
      const numbers = await frameNumbers(video, 640);
      const restart = numbers.findIndex((n, i) => i > 0 && n < numbers[i - 1]!);
      expect(restart).toBeGreaterThan(0);
      const [first, second] = [numbers.slice(0, restart), numbers.slice(restart)];
      for (const part of [first, second]) expect(part.every((n, i) => i === 0 || n >= part[i - 1]!)).toBe(true);
      expect(first.at(-1)).toBeLessThanOrEqual(killedAtFrame);
      expect(second.length).toBeGreaterThan(60);
    },
    240_000,
  );
});
