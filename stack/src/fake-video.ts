import { execFileSync } from 'node:child_process';

/**
 * A one-second Y4M for Chromium's fake camera: dark red "tissue" with none of the annotation
 * colours in it, so tests and benches can find drawings by their colour.
 */
export function makeTissueVideo(path: string): string {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x7a2330:s=1280x720:r=10', '-t', '1', '-pix_fmt', 'yuv420p', path]);
  return path;
}

/**
 * A 1920×1080 Y4M of a still ultrasound-like picture: a grey sector of speckle blocks on black,
 * the same in every frame, so any frame the scan room captures is the one fed in. Its grey levels
 * are those for which Chromium's and ffmpeg's YUV→RGB conversions agree to the bit (16 + 16k for
 * k not ≡ 2 mod 4; the others differ by one level between the two), so that a test can hold a
 * captured still to ffmpeg's RGB of the file, exactly. `fps`: a capture card's rate makes a
 * larger file (30 fps: ~93 MB), and a capture waits less for the camera's next frame.
 */
export function makeUltrasoundVideo(path: string, fps = 5): string {
  const j = 'mod(floor(X/24)+floor(Y/18)\\,11)';
  const k = `4*floor(${j}/3)+mod(${j}\\,3)+floor(mod(${j}\\,3)/2)`;
  const inSector = 'lt(abs(atan2(X-960\\,Y+60))\\,0.62)*gt(Y\\,40)*lt(hypot(X-960\\,Y+60)\\,1080)';
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=black:s=1920x1080:r=${fps},format=gray`,
    '-vf',
    `geq=lum='if(${inSector}\\,16+16*(${k})\\,16)',format=yuv420p`,
    '-t',
    '1',
    path,
  ]);
  return path;
}

/** The RGB pixels of a Y4M's first frame, as ffmpeg converts them (rgb24, row by row). */
export function firstFrameRgb(path: string): Buffer {
  return execFileSync('ffmpeg', ['-loglevel', 'error', '-i', path, '-frames:v', '1', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
}
