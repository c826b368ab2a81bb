/**
 * A synthetic surgical-looking picture for rehearsals: moving pink and red tissue with a
 * clock, drawn into a canvas and captured as a video track. No patient, no file.
 *
 * It is drawn on the page's own thread beside its encoders, up to four at once (issue 16), so
 * each frame draws only what moves: the tissue's background is painted once and copied, and each
 * blob fills only the square its gradient reaches (beyond its radius it is transparent). Same
 * pixels as filling the whole picture for every blob, at a fraction of the cost.
 */
export function startDemoPicture(width = 1280, height = 720, fps = 30): { track: MediaStreamTrack; stop(): void } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const background = tissue(width, height);
  const blobs = Array.from({ length: 9 }, (_, i) => ({
    x: ((i * 37) % 100) / 100,
    y: ((i * 53) % 100) / 100,
    r: 0.12 + ((i * 17) % 10) / 60,
    phase: i,
  }));
  let frame = 0;
  const draw = () => {
    const t = frame++ / fps;
    ctx.drawImage(background, 0, 0);
    for (const b of blobs) {
      const x = (b.x + 0.05 * Math.sin(t * 0.6 + b.phase)) * width;
      const y = (b.y + 0.04 * Math.cos(t * 0.5 + b.phase)) * height;
      const reach = b.r * width;
      const g = ctx.createRadialGradient(x, y, 5, x, y, reach);
      g.addColorStop(0, 'rgba(240, 170, 170, 0.55)');
      g.addColorStop(1, 'rgba(120, 30, 40, 0)');
      ctx.fillStyle = g;
      ctx.fillRect(x - reach, y - reach, 2 * reach, 2 * reach);
    }
    // A grey instrument sweeping slowly across, like a grasper.
    ctx.strokeStyle = '#9aa3ab';
    ctx.lineWidth = 26;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(width * 1.05, height * 0.95);
    ctx.lineTo(width * (0.6 + 0.08 * Math.sin(t * 0.4)), height * (0.55 + 0.05 * Math.cos(t * 0.3)));
    ctx.stroke();
    ctx.fillStyle = 'rgba(255,255,255,0.8)';
    ctx.font = '600 28px sans-serif';
    ctx.fillText(`DEMO  ${new Date().toLocaleTimeString()}`, 32, height - 32);
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const [track] = canvas.captureStream(fps).getVideoTracks();
  return {
    track: track!,
    stop() {
      clearInterval(timer);
      track?.stop();
    },
  };
}

/** The still part of the picture: dark red tissue, lighter at the centre. */
function tissue(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const bg = ctx.createRadialGradient(width / 2, height / 2, 50, width / 2, height / 2, width * 0.7);
  bg.addColorStop(0, '#b5525c');
  bg.addColorStop(0.6, '#7a2330');
  bg.addColorStop(1, '#120405');
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, width, height);
  return canvas;
}
