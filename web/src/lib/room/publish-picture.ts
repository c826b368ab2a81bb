/**
 * Publishing the surgical picture from theatre. Settings chosen for surgery: full HD when the
 * source has it, `detail` content hint and maintain-resolution (a sharp picture over smooth
 * motion), H.264 for hardware decoding on OR PCs and phones, simulcast so a phone on a weak
 * link can take a smaller layer without dragging the mentor's picture down.
 */
import {
  LocalVideoTrack,
  Track,
  VideoPresets,
  createLocalScreenTracks,
  createLocalVideoTrack,
  type Room,
  type TrackPublishOptions,
  type VideoPreset,
} from 'livekit-client';
import { startDemoPicture } from './demo-picture.ts';

export type PictureSource = { kind: 'camera'; deviceId: string } | { kind: 'screen' } | { kind: 'demo' };

export const PUBLISH_OPTIONS: TrackPublishOptions = {
  videoCodec: 'h264',
  simulcast: true,
  videoEncoding: { maxBitrate: 6_000_000, maxFramerate: 30 },
  degradationPreference: 'maintain-resolution',
};

const LOWER_LAYERS = [VideoPresets.h360, VideoPresets.h720];

/**
 * The simulcast layers below a source `height` pixels tall. livekit-client adds the layers it
 * is given under the full-size one even when they are as big as the source: a 720p capture
 * was encoded twice at 720p (only the bitrate differed), which cost theatre's CPU a third of
 * its encoding and the mentor a few ms per frame (bench `video_glass_to_glass`).
 */
export function simulcastLayers(height: number | undefined): VideoPreset[] {
  return LOWER_LAYERS.filter((layer) => layer.height < (height ?? Infinity));
}

export type PublishedPicture = { track: LocalVideoTrack; stop(): Promise<void> };

/** `name`: the track's name, which says which of theatre's sources it is (sourceTrackName). */
export async function publishPicture(room: Room, source: PictureSource, name?: string): Promise<PublishedPicture> {
  let track: LocalVideoTrack;
  let cleanup = () => {};
  if (source.kind === 'camera') {
    track = await createLocalVideoTrack({ deviceId: { exact: source.deviceId }, resolution: VideoPresets.h1080.resolution });
  } else if (source.kind === 'screen') {
    const tracks = await createLocalScreenTracks({ audio: false, resolution: VideoPresets.h1080.resolution, contentHint: 'detail' });
    track = tracks.find((t): t is LocalVideoTrack => t instanceof LocalVideoTrack)!;
  } else {
    const demo = startDemoPicture();
    track = new LocalVideoTrack(demo.track, undefined, false);
    cleanup = demo.stop;
  }
  track.mediaStreamTrack.contentHint = 'detail';
  await room.localParticipant.publishTrack(track, {
    ...PUBLISH_OPTIONS,
    ...(name ? { name } : {}),
    videoSimulcastLayers: simulcastLayers(track.mediaStreamTrack.getSettings().height),
    source: source.kind === 'screen' ? Track.Source.ScreenShare : Track.Source.Camera,
  });
  return {
    track,
    async stop() {
      await room.localParticipant.unpublishTrack(track, true);
      cleanup();
    },
  };
}
