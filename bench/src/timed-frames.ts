/**
 * Video frames that carry their capture time in their pixels, and the read-back at the other
 * end. Theatre's camera becomes a canvas: a moving tissue-like texture (so the encoder works as
 * on real video) under a strip of blocks spelling the epoch millisecond at which the frame was
 * drawn. The receiving page reads the strip back from each frame as it is presented
 * (requestVideoFrameCallback). Both pages are in one browser: one clock.
 *
 * Everything here but the types runs inside pages, so each function stands alone.
 */

/** The barcode: `bits` blocks across the top `height` of the frame, the time's bits, then their complement. */
export const STRIP = { bits: 32, height: 1 / 9 };

export type TimedCamera = { width: number; height: number; fps: number; strip: typeof STRIP };

/**
 * Init script: getUserMedia hands out the timed canvas for any video request (each caller its
 * own track, since livekit-client stops the one it asks for permission with); `track()` gives
 * one more, for a sender outside the app.
 */
export function installTimedCamera(o: TimedCamera) {
  const canvas = document.createElement('canvas');
  canvas.width = o.width;
  canvas.height = o.height;
  const ctx = canvas.getContext('2d')!;
  let started = false;

  // A texture larger than the frame, panned like a laparoscope moving: pink blobs and dark
  // vessels on red, drawn once from a fixed seed so every run encodes the same picture.
  const texture = document.createElement('canvas');
  const start = () => {
    started = true;
    texture.width = Math.round(o.width * 1.25);
    texture.height = Math.round(o.height * 1.25);
    const t = texture.getContext('2d')!;
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    t.fillStyle = '#7a2330';
    t.fillRect(0, 0, texture.width, texture.height);
    for (let i = 0; i < 300; i++) {
      const [x, y, r] = [random() * texture.width, random() * texture.height, 8 + random() * 60];
      t.fillStyle = `rgba(${200 + random() * 55}, ${90 + random() * 80}, ${100 + random() * 70}, ${0.2 + random() * 0.4})`;
      t.beginPath();
      t.ellipse(x, y, r, r * (0.4 + random()), random() * Math.PI, 0, Math.PI * 2);
      t.fill();
    }
    t.lineCap = 'round';
    for (let i = 0; i < 60; i++) {
      t.strokeStyle = `rgba(70, 10, ${20 + random() * 40}, 0.7)`;
      t.lineWidth = 1 + random() * 4;
      t.beginPath();
      t.moveTo(random() * texture.width, random() * texture.height);
      t.bezierCurveTo(
        random() * texture.width,
        random() * texture.height,
        random() * texture.width,
        random() * texture.height,
        random() * texture.width,
        random() * texture.height,
      );
      t.stroke();
    }
    const block = o.width / o.strip.bits;
    const row = (o.height * o.strip.height) / 2;
    const draw = () => {
      const now = performance.timeOrigin + performance.now();
      const s = now / 1000;
      const dx = (texture.width - o.width) * (0.5 + 0.5 * Math.sin(s * 0.7));
      const dy = (texture.height - o.height) * (0.5 + 0.5 * Math.cos(s * 0.5));
      ctx.drawImage(texture, dx, dy, o.width, o.height, 0, 0, o.width, o.height);
      ctx.strokeStyle = '#9aa3ab';
      ctx.lineWidth = 26;
      ctx.lineCap = 'round';
      ctx.beginPath();
      ctx.moveTo(o.width * 1.05, o.height * 0.95);
      ctx.lineTo(o.width * (0.55 + 0.15 * Math.sin(s * 1.3)), o.height * (0.5 + 0.1 * Math.cos(s)));
      ctx.stroke();
      const code = Math.round(now) % 2 ** 32;
      for (let i = 0; i < o.strip.bits; i++) {
        const bit = Math.floor(code / 2 ** (o.strip.bits - 1 - i)) % 2;
        ctx.fillStyle = bit ? '#fff' : '#000';
        ctx.fillRect(i * block, 0, block, row);
        ctx.fillStyle = bit ? '#000' : '#fff';
        ctx.fillRect(i * block, row, block, row);
      }
    };
    draw();
    setInterval(draw, 1000 / o.fps);
  };

  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    if (!constraints?.video) return getUserMedia(constraints);
    if (!started) start();
    // No frame rate given: a frame is captured at each draw, so the time drawn is the capture time.
    const stream = canvas.captureStream();
    if (constraints.audio) for (const t of (await getUserMedia({ audio: constraints.audio })).getAudioTracks()) stream.addTrack(t);
    return stream;
  };
  (window as unknown as { __timedCamera: unknown }).__timedCamera = { track: () => canvas.captureStream().getVideoTracks()[0]! };
}

/** What `trackPeerConnections` puts on `window.__rtc`. */
export type PageRtc = {
  connections: RTCPeerConnection[];
  /** The first video sender among the page's connections (the app's: it made the first). */
  videoSender(): RTCRtpSender;
  /** The video receiver now playing, if any. */
  videoReceiver(): RTCRtpReceiver | undefined;
  /** Sets `pc`'s local description and resolves with it once every candidate is in (no trickle to carry). */
  describe(pc: RTCPeerConnection): Promise<string>;
};

/** Init script: every RTCPeerConnection the page makes, on `window.__rtc`, to read and set their video settings. */
export function trackPeerConnections() {
  const connections: RTCPeerConnection[] = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      connections.push(this);
    }
  };
  const rtc: PageRtc = {
    connections,
    videoSender: () => connections.flatMap((pc) => pc.getSenders()).find((s) => s.track?.kind === 'video')!,
    videoReceiver: () =>
      connections.flatMap((pc) => pc.getReceivers()).find((r) => r.track.kind === 'video' && r.track.readyState === 'live' && !r.track.muted),
    async describe(pc) {
      await pc.setLocalDescription();
      await new Promise<void>((done) => {
        if (pc.iceGatheringState === 'complete') done();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done());
      });
      return pc.localDescription!.sdp;
    },
  };
  (window as unknown as { __rtc: PageRtc }).__rtc = rtc;
}

export type TimedReadings = {
  /** Frame shown (expectedDisplayTime) − frame drawn, ms, for each frame read. */
  latencies: number[];
  /** Frame shown − its last packet received, ms (the receiver's jitter buffer, decode and render). */
  afterReceipt: number[];
  unreadable: number;
  width: number;
  height: number;
  fps: number;
};

/** In the receiving page: reads the strip of each frame `video` presents for `seconds`. */
export function readTimedFrames(o: { video: string; seconds: number; strip: typeof STRIP }): Promise<TimedReadings> {
  return new Promise((resolve) => {
    const video = document.querySelector(o.video) as HTMLVideoElement;
    const scale = 8;
    const canvas = document.createElement('canvas');
    canvas.width = o.strip.bits * scale;
    canvas.height = 2 * scale;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const out: TimedReadings = { latencies: [], afterReceipt: [], unreadable: 0, width: 0, height: 0, fps: 0 };
    let first: { at: number } | null = null;
    const onFrame = (now: number, meta: VideoFrameCallbackMetadata) => {
      first ??= { at: now };
      ctx.drawImage(video, 0, 0, meta.width, meta.height * o.strip.height, 0, 0, canvas.width, canvas.height);
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const light = (x: number, y: number) => {
        const i = (y * canvas.width + x) * 4;
        return px[i]! + px[i + 1]! + px[i + 2]! > 3 * 128;
      };
      let code = 0;
      let readable = true;
      for (let b = 0; b < o.strip.bits; b++) {
        const bit = light(b * scale + scale / 2, scale / 2);
        // A block and its complement agree only on a frame that is whole and legible.
        if (bit === light(b * scale + scale / 2, scale + scale / 2)) readable = false;
        code = code * 2 + (bit ? 1 : 0);
      }
      const latency = (((performance.timeOrigin + meta.expectedDisplayTime) % 2 ** 32) - code + 2 ** 32) % 2 ** 32;
      if (readable && latency < 10_000) out.latencies.push(latency);
      else out.unreadable++;
      if (meta.receiveTime !== undefined) out.afterReceipt.push(meta.expectedDisplayTime - meta.receiveTime);
      out.width = meta.width;
      out.height = meta.height;
      if (now - first.at < o.seconds * 1000) return void video.requestVideoFrameCallback(onFrame);
      // Frames read, not the element's presentedFrames: that one stood still for a picture of four.
      out.fps = Math.round(((out.latencies.length + out.unreadable) / (now - first.at)) * 10_000) / 10;
      resolve(out);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}
