import { execFileSync } from 'node:child_process';

/**
 * A one-second Y4M for Chromium's fake camera: dark red "tissue" with none of the annotation
 * colours in it, so tests and benches can find drawings by their colour.
 */
export function makeTissueVideo(path: string): string {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x7a2330:s=1280x720:r=10', '-t', '1', '-pix_fmt', 'yuv420p', path]);
  return path;
}
