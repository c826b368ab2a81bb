import { hc } from 'hono/client';
import type { AppType } from '@loupe/api';
import type { RecorderState, RecorderStop, RecorderWork, RecordingOutcome } from '@loupe/protocol';

export type Work = RecorderWork['recordings'][number];

/** The recorder's side of the api's /internal routes, with its bearer token. */
export function recorderApi(apiUrl: string, token: string) {
  const client = hc<AppType>(apiUrl, { headers: { authorization: `Bearer ${token}` } });
  return {
    async work(): Promise<Work[]> {
      const res = await client.internal.recordings.active.$get();
      if (!res.ok) throw new Error(`api refused the recorder: HTTP ${res.status}`);
      return (await res.json()).recordings;
    },
    /** Whether theatre's picture is there to record, and whether the recorder keeps up with it. */
    async state(id: string, state: RecorderState): Promise<void> {
      const res = await client.internal.recordings[':id'].state.$post({ param: { id }, json: state });
      if (!res.ok) throw new Error(`api did not take the state of ${id}: HTTP ${res.status}`);
    },
    async stop(id: string, stop: RecorderStop): Promise<void> {
      const res = await client.internal.recordings[':id'].stop.$post({ param: { id }, json: stop });
      if (!res.ok && res.status !== 409) throw new Error(`api did not stop ${id}: HTTP ${res.status}`);
    },
    /** The recorder has stopped capturing and begins to encode the case: the api shows it as finalising. */
    async finalising(id: string): Promise<void> {
      const res = await client.internal.recordings[':id'].finalising.$post({ param: { id } });
      if (!res.ok) throw new Error(`api did not take that ${id} is finalising: HTTP ${res.status}`);
    },
    async report(id: string, outcome: RecordingOutcome): Promise<void> {
      const res = await client.internal.recordings[':id'].outcome.$post({ param: { id }, json: outcome });
      if (!res.ok) throw new Error(`api did not take the outcome of ${id}: HTTP ${res.status}`);
    },
  };
}

export type RecorderApi = ReturnType<typeof recorderApi>;
