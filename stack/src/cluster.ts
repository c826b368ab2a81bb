/**
 * Loupe as a cluster on one machine, all on loopback (docs/scaling.md): Redis, two
 * livekit-server nodes sharing it, two api processes on one database, two recorder workers.
 * LiveKit's own multi-node routing does the clustering; nothing here routes anything. `make
 * cluster` (cluster-cli.ts) and the cluster test start it through here.
 */
import { startApiProcess, startRecorderProcess, type RunningApi, type RunningApp } from './app-processes.ts';
import { generateKeys, startLiveKit, type LiveKit, type LiveKitKeys } from './livekit.ts';
import { freePort } from './ports.ts';
import { connectRedis, startRedis, type Redis } from './redis.ts';

/** Fixed ports for `make cluster`; free ones when omitted (tests). */
export type ClusterPorts = {
  /** Where the cluster's own Redis listens (without `redisUrl`). */
  redis: number;
  /** Per node: signalling, ICE/TCP, ICE/UDP. */
  livekit: { port: number; rtcTcpPort: number; rtcUdpPort: number }[];
  api: number[];
};

export type ClusterOptions = {
  dbUrl: string;
  mediaDir: string;
  recorderToken: string;
  keys?: LiveKitKeys;
  ports?: ClusterPorts;
  /** LOUPE_REDIS_URL: a Redis that runs already; unset: one is started on loopback. */
  redisUrl?: string;
  /** More environment for both api processes (audit anchor file, HL7 port…). */
  apiEnv?: Record<string, string>;
  /** The media store's bucket (LOUPE_S3_*) for every api and recorder; unset: the media directory alone. */
  mediaEnv?: Record<string, string>;
  echo?: boolean;
};

export type Cluster = {
  redis: Redis;
  nodes: LiveKit[];
  /** The nodes as browsers reach them: LOUPE_LIVEKIT_URLS. */
  livekitUrls: string[];
  apis: RunningApi[];
  recorders: RunningApp[];
  /** The livekit-server node id (Redis's `nodes` hash) of each of `nodes`, in order. */
  nodeIds: string[];
  /** The node id that hosts `room` now (LiveKit's `room_node_map` in Redis), or null. */
  nodeOfRoom(room: string): Promise<string | null>;
  stop(): Promise<void>;
};

const NODES = 2;

/** Starts the cluster; on a failed start, stops what had started and throws. */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const keys = o.keys ?? generateKeys();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const redis = o.redisUrl ? await connectRedis(o.redisUrl) : await startRedis({ port: o.ports?.redis, echo: o.echo });
    stops.push(() => redis.stop());
    const apiPorts = o.ports?.api ?? [await freePort(), await freePort()];
    const nodes: LiveKit[] = [];
    const nodeIds: string[] = [];
    for (let i = 0; i < NODES; i++) {
      const before = await nodeIdsIn(redis);
      // Each node posts its rooms' webhooks to an api of its own; the other api catches joins up.
      const node = await startLiveKit({
        keys,
        redisUrl: redis.url,
        webhookUrls: [`http://127.0.0.1:${apiPorts[i]}/webhooks/livekit`],
        echo: o.echo,
        name: `livekit-${i + 1}`,
        ...o.ports?.livekit[i],
      });
      stops.push(() => node.stop());
      nodes.push(node);
      nodeIds.push(await newNodeId(redis, before));
    }
    const livekitUrls = nodes.map((n) => n.wsUrl);
    const apis: RunningApi[] = [];
    for (let i = 0; i < NODES; i++) {
      const api = await startApiProcess({
        livekit: nodes[i]!,
        dbUrl: o.dbUrl,
        port: apiPorts[i],
        env: { LOUPE_LIVEKIT_URLS: livekitUrls.join(','), LOUPE_RECORDER_TOKEN: o.recorderToken, LOUPE_MEDIA_DIR: o.mediaDir, ...o.mediaEnv, ...o.apiEnv },
        echo: o.echo,
      });
      stops.push(() => api.stop());
      apis.push(api);
    }
    // The media store: the local directory both recorders and apis share, and the bucket behind it when given.
    const recorders: RunningApp[] = [];
    for (let i = 0; i < NODES; i++) {
      const recorder = await startRecorderProcess({
        livekit: nodes[i]!,
        apiUrl: apis[i]!.url,
        recorderToken: o.recorderToken,
        mediaDir: o.mediaDir,
        // Every node: a recording whose node dies joins its room again through another.
        env: { LOUPE_LIVEKIT_URLS: livekitUrls.join(','), ...o.mediaEnv },
        echo: o.echo,
      });
      stops.push(() => recorder.stop());
      recorders.push(recorder);
    }
    return {
      redis,
      nodes,
      livekitUrls,
      apis,
      recorders,
      nodeIds,
      async nodeOfRoom(room) {
        return (await redis.command('hget', 'room_node_map', room)) || null;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

const nodeIdsIn = async (redis: Redis) => (await redis.command('hkeys', 'nodes')).split('\n').filter(Boolean);

/** The id a node just started registered in Redis: the one not in `known`. */
async function newNodeId(redis: Redis, known: string[]): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ids = await nodeIdsIn(redis);
    const fresh = ids.filter((id) => !known.includes(id));
    if (fresh.length === 1) return fresh[0]!;
    if (Date.now() > deadline) throw new Error(`livekit-server did not register in Redis: nodes ${ids.join(', ') || 'none'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
