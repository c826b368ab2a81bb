import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import { CHROMIUM_BIN } from './paths.ts';

export type ChromiumOptions = {
  /** A Y4M file the fake camera plays (make one with ffmpeg). */
  fakeVideo?: string;
  extraArgs?: string[];
  /** A program that runs Chromium with the arguments it is given (fault tests wrap it). */
  executablePath?: string;
};

/**
 * Debian's Chromium, headless, driven by playwright-core. Never `playwright install`:
 * the flags keep it from reaching any host but localhost.
 */
export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    ...(options.fakeVideo ? [`--use-file-for-fake-video-capture=${options.fakeVideo}`] : []),
    ...(options.extraArgs ?? []),
  ];
  const launch: LaunchOptions = { executablePath: options.executablePath ?? CHROMIUM_BIN, headless: true, args };
  return chromium.launch(launch);
}
