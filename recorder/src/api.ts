import { hc } from 'hono/client';
import type { AppType } from '@loupe/api';
import type { RecordingOutcome } from '@loupe/protocol';

export type Work = { id: string; sessionId: string; status: 'recording' | 'paused' | 'stopped' | 'finalising' };

/** The recorder's side of the api's /internal routes, with its bearer token. */
export function recorderApi(apiUrl: string, token: string) {
  const client = hc<AppType>(apiUrl, { headers: { authorization: `Bearer ${token}` } });
  return {
    async work(): Promise<Work[]> {
      const res = await client.internal.recordings.active.$get();
      if (!res.ok) throw new Error(`api refused the recorder: HTTP ${res.status}`);
      return (await res.json()).recordings;
    },
    async capturing(id: string): Promise<void> {
      const res = await client.internal.recordings[':id'].capturing.$post({ param: { id } });
      if (!res.ok) throw new Error(`api did not take the capturing notice of ${id}: HTTP ${res.status}`);
    },
    async report(id: string, outcome: RecordingOutcome): Promise<void> {
      const res = await client.internal.recordings[':id'].outcome.$post({ param: { id }, json: outcome });
      if (!res.ok) throw new Error(`api did not take the outcome of ${id}: HTTP ${res.status}`);
    },
  };
}

export type RecorderApi = ReturnType<typeof recorderApi>;
