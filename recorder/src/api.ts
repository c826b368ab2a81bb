import { hc } from 'hono/client';
import type { AppType } from '@loupe/api';
import { RECORDER_LEASE_HEADER, recorderLeaseHeader, type RecorderState, type RecorderStop, type RecorderWork, type RecordingOutcome } from '@loupe/protocol';

export type Work = RecorderWork['recordings'][number];

/** The api refused a report: another worker holds the recording now. */
export class LeaseLost extends Error {}

/**
 * The recorder's side of the api's /internal routes, with its bearer token, as worker `worker`:
 * each report about a recording carries the epoch of the lease it is made under.
 */
export function recorderApi(apiUrl: string, token: string, worker: string) {
  const client = hc<AppType>(apiUrl, { headers: { authorization: `Bearer ${token}` } });
  const leased = (epoch: number) => ({ headers: { [RECORDER_LEASE_HEADER]: recorderLeaseHeader(worker, epoch) } });
  /** The api's reason for a 409, and its words. */
  const refusal = async (res: Response) => {
    const body =
      res.status === 409
        ? ((await res
            .clone()
            .json()
            .catch(() => null)) as { error?: { reason?: string; message?: string } } | null)
        : null;
    return body?.error ?? null;
  };
  const check = async (res: Response, what: string, id: string) => {
    if (res.ok) return;
    const error = await refusal(res);
    if (error?.reason === 'lease_lost') throw new LeaseLost(error.message);
    throw new Error(`api did not take ${what} ${id}: HTTP ${res.status}`);
  };
  return {
    /** Renews this worker's leases and takes new work while it has room for `slots` recordings. */
    async work(slots: number): Promise<RecorderWork> {
      const res = await client.internal.recordings.work.$post({ json: { worker, slots } });
      if (!res.ok) throw new Error(`api refused the recorder: HTTP ${res.status}`);
      return res.json();
    },
    /** Whether theatre's picture is there to record, and whether the recorder keeps up with it. */
    async state(id: string, epoch: number, state: RecorderState): Promise<void> {
      await check(await client.internal.recordings[':id'].state.$post({ param: { id }, json: state }, leased(epoch)), 'the state of', id);
    },
    async stop(id: string, epoch: number, stop: RecorderStop): Promise<void> {
      const res = await client.internal.recordings[':id'].stop.$post({ param: { id }, json: stop }, leased(epoch));
      // Already stopped: what was asked is done.
      if (res.status === 409 && (await refusal(res))?.reason !== 'lease_lost') return;
      await check(res, 'the stop of', id);
    },
    /** The recorder has stopped capturing and begins to encode the case: the api shows it as finalising. */
    async finalising(id: string, epoch: number): Promise<void> {
      await check(await client.internal.recordings[':id'].finalising.$post({ param: { id } }, leased(epoch)), 'that it is finalising', id);
    },
    async report(id: string, epoch: number, outcome: RecordingOutcome): Promise<void> {
      await check(await client.internal.recordings[':id'].outcome.$post({ param: { id }, json: outcome }, leased(epoch)), 'the outcome of', id);
    },
  };
}

export type RecorderApi = ReturnType<typeof recorderApi>;
