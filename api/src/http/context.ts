import type { MediaStore } from '@loupe/media-store';
import type { Db } from '../db/client.ts';
import type { ApiConfig } from '../env.ts';
import type { User } from '@loupe/protocol';
import type { RoomControl } from '../livekit/rooms.ts';
import type { VitalsHub } from '../vitals/hub.ts';

/** What every route needs, passed in so tests can run the app on a temporary database. */
export type AppDeps = {
  db: Db;
  config: ApiConfig;
  rooms: RoomControl;
  /** Case media and stills: the media directory, and the bucket behind it when LOUPE_S3_* names one. */
  media: MediaStore;
  /** The monitor readings the HL7 listener takes; absent, the app makes its own (no listener feeds it). */
  vitals?: VitalsHub;
  /** How long prior-imaging requests wait for the PACS; PRIORS_TIMEOUT_MS unless a test shortens it. */
  priorsTimeoutMs?: number;
  /** Where the rate limits count: `db` without a flush a commit (db/client.ts `openCountersDb`); absent, `db`. */
  counters?: Db;
};

/** What the routes get: AppDeps with the counters settled (createApp: `db` when none is given). */
export type RouteDeps = AppDeps & { counters: Db };

export type AppEnv = {
  Variables: {
    /** The signed-in user, or null. Set by the session middleware for every request. */
    user: User | null;
    /** The browser's address (http/client-address.ts). Set by the audit middleware for every request. */
    clientAddress: string;
  };
};
