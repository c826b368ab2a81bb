import { EventEmitter } from 'node:events';
import { RoomEvent, type Room } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { onApiPackets } from './api-packets.ts';

const Notice = z.object({ examId: z.string() });
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

/** A room that delivers data packets as livekit-client does: (payload, participant, kind, topic, encryption, identity). */
function fakeRoom() {
  const events = new EventEmitter();
  const room = { on: (e: string, f: () => void) => (events.on(e, f), room), off: (e: string, f: () => void) => (events.off(e, f), room) };
  const deliver = (payload: Uint8Array, topic: string, from?: { identity: string }) =>
    events.emit(RoomEvent.DataReceived, payload, from, undefined, topic, undefined, from?.identity);
  return { room: room as unknown as Room, deliver, listeners: () => events.listenerCount(RoomEvent.DataReceived) };
}

describe('onApiPackets', () => {
  it('hands over the api’s packets on its topic, parsed', () => {
    const { room, deliver } = fakeRoom();
    const taken: unknown[] = [];
    onApiPackets(room, 'loupe.exam', Notice, (n) => taken.push(n));
    deliver(bytes({ examId: 'e1' }), 'loupe.exam');
    expect(taken).toEqual([{ examId: 'e1' }]);
  });

  it('ignores a member’s packet on the topic (a forgery), another topic, and what does not parse', () => {
    const { room, deliver } = fakeRoom();
    const taken: unknown[] = [];
    onApiPackets(room, 'loupe.exam', Notice, (n) => taken.push(n));
    deliver(bytes({ examId: 'forged' }), 'loupe.exam', { identity: 'mallory' });
    deliver(bytes({ examId: 'e2' }), 'loupe.vitals');
    deliver(bytes('{not json'), 'loupe.exam');
    deliver(bytes({ examId: 42 }), 'loupe.exam');
    deliver(bytes({ examId: 'e3' }), 'loupe.exam');
    expect(taken).toEqual([{ examId: 'e3' }]);
  });

  it('stops listening when told', () => {
    const { room, deliver, listeners } = fakeRoom();
    const taken: unknown[] = [];
    const stop = onApiPackets(room, 'loupe.exam', Notice, (n) => taken.push(n));
    stop();
    deliver(bytes({ examId: 'e1' }), 'loupe.exam');
    expect(taken).toEqual([]);
    expect(listeners()).toBe(0);
  });
});
