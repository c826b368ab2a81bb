import { describe, expect, it } from 'vitest';
import { httpUrlOf, livekitNodes } from './nodes.ts';

describe('livekitNodes', () => {
  it('hands the nodes out in turn', async () => {
    const nodes = livekitNodes(['ws://a:7880', 'ws://b:7880'], async () => true);
    expect([await nodes.pick(), await nodes.pick(), await nodes.pick()]).toEqual(['ws://a:7880', 'ws://b:7880', 'ws://a:7880']);
  });

  it('skips a node that does not answer, and has none to give when all are down', async () => {
    let bUp = false;
    const nodes = livekitNodes(['ws://a:7880', 'ws://b:7880'], async (url) => url.startsWith('ws://b') && bUp);
    expect(await nodes.pick()).toBeNull();
    bUp = true;
    expect([await nodes.pick(), await nodes.pick()]).toEqual(['ws://b:7880', 'ws://b:7880']);
  });

  it('checks the node where livekit-server answers HTTP', () => {
    expect(httpUrlOf('wss://lk.example.org')).toBe('https://lk.example.org');
    expect(httpUrlOf('ws://127.0.0.1:7880')).toBe('http://127.0.0.1:7880');
    expect(httpUrlOf('https://lk.example.org')).toBe('https://lk.example.org');
  });
});
