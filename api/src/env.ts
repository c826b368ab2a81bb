/**
 * The api's configuration, parsed once from the environment. Every variable is documented
 * in the repository's .env.example. A bad value stops the process with a clear message.
 */
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  DicomwebUrl,
  MAX_RETENTION_DAYS,
  S3_ENV_KEYS,
  SharedEnv,
  envFlag,
  envInteger,
  envNumber,
  envSecret,
  parseEnv,
  s3Settings,
  type S3Settings,
} from '@loupe/protocol';
import type { Rate } from './http/rate-limit.ts';

const perMinute = (fallback: number) => envInteger(1, 1_000_000).default(fallback);
const addresses = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((a) => isIP(a) !== 0), 'must be a comma-separated list of IP addresses');

const ApiEnv = SharedEnv.pick({
  LOUPE_DB_URL: true,
  LOUPE_DB_AUTH_TOKEN: true,
  LOUPE_API_HOST: true,
  LOUPE_API_PORT: true,
  LOUPE_PUBLIC_URL: true,
  LOUPE_MEDIA_DIR: true,
  LIVEKIT_URL: true,
  LIVEKIT_PUBLIC_URL: true,
  LIVEKIT_API_KEY: true,
  LIVEKIT_API_SECRET: true,
  LOUPE_LIVEKIT_URLS: true,
  ...S3_ENV_KEYS,
})
  .extend({
    // Unset: the /internal routes refuse every request (no recorder).
    LOUPE_RECORDER_TOKEN: envSecret(32).optional(),
    LOUPE_COOKIE_SECURE: envFlag.default(false),
    LOUPE_OPEN_SIGNUP: envFlag.default(false),
    LOUPE_SESSION_IDLE_MINUTES: envInteger(1, 24 * 60).default(30),
    LOUPE_SESSION_MAX_HOURS: envInteger(1, 24 * 7).default(12),
    // How often the api asks livekit-server who is in each room, to record joins whose webhook was lost.
    LOUPE_LIVEKIT_CATCH_UP_SECONDS: envInteger(5, 3600).default(30),
    // How long livekit-server keeps a session's room once everyone has left it (someone reloading is back well before).
    LOUPE_ROOM_DEPARTURE_SECONDS: envInteger(1, 3600).default(20),
    // How long a recorder worker holds a recording without renewing it: another worker takes it over after this.
    LOUPE_RECORDING_LEASE_SECONDS: envNumber(0.5, 600).default(10),
    // Unset: the default, as for the other optional paths in .env.example.
    LOUPE_AUDIT_ANCHOR_FILE: z
      .string()
      .refine((v) => !v.endsWith('/'), 'must name a file, not a folder')
      .optional(),
    // Ten years: about the shortest time many health systems must keep adult medical records,
    // so the recording of an operation is kept at least as long as the notes written about it.
    LOUPE_CASE_RETENTION_DAYS: envInteger(1, MAX_RETENTION_DAYS).default(3650),
    LOUPE_TRUSTED_PROXIES: addresses.default(['127.0.0.1', '::1']),
    LOUPE_TOKENS_PER_MINUTE: perMinute(30),
    LOUPE_TOKEN_BURST: perMinute(10),
    LOUPE_SEARCHES_PER_MINUTE: perMinute(120),
    LOUPE_SEARCH_BURST: perMinute(30),
    // The PACS of sites that name none of their own; unset: those sites' stills wait in the queue.
    LOUPE_DICOMWEB_URL: DicomwebUrl.optional(),
    // Unset: no HL7 listener (no monitor feeds vital signs). The usual MLLP port is 2575.
    LOUPE_HL7_PORT: envInteger(1, 65535).optional(),
    LOUPE_HL7_HOST: z.string().min(1).default('127.0.0.1'),
  })
  .refine((e) => anchorFile(e) !== databaseFile(e.LOUPE_DB_URL), {
    path: ['LOUPE_AUDIT_ANCHOR_FILE'],
    message: 'must be another file than the database: the anchors are what the database cannot rewrite',
  });

export type ApiConfig = {
  db: { url: string; authToken: string | undefined };
  host: string;
  port: number;
  cookieSecure: boolean;
  openSignup: boolean;
  sessionIdleMs: number;
  sessionMaxMs: number;
  livekit: {
    url: string;
    publicUrl: string;
    apiKey: string;
    apiSecret: string;
    /** The nodes of a cluster (LOUPE_LIVEKIT_URLS), as browsers and the api reach them; null: one node at url/publicUrl. */
    nodes: string[] | null;
    /** How long a room whose people all left stays open (LOUPE_ROOM_DEPARTURE_SECONDS). */
    departureTimeoutS: number;
  };
  /** How often room joins are caught up from livekit-server (livekit/catch-up.ts). */
  livekitCatchUpMs: number;
  /** A recorder worker's lease on a recording lasts this long from its last poll. */
  recordingLeaseMs: number;
  /** Bearer token the recorder worker presents on /internal routes; unset: those routes refuse. */
  recorderToken: string | undefined;
  /** Where the recorder keeps recordings and cases; the api serves case media from here. */
  mediaDir: string;
  /** The media bucket behind the media directory (docs/media-store.md); null: the directory alone. */
  s3: S3Settings | null;
  /** Where the audit chain's head is copied every few minutes, outside the database (audit/anchor.ts). */
  auditAnchorFile: string;
  /** How long after its recording a new case is kept before it and its media are deleted. */
  caseRetentionMs: number;
  /** Peers whose X-Forwarded-For names the client (the web server's /api proxy); nobody else's is believed. */
  trustedProxies: string[];
  /** The origin people's browsers load Loupe from (LOUPE_PUBLIC_URL): the only one allowed to change anything. */
  publicOrigin: string;
  /** Per-user limits on LiveKit tokens and case searches. */
  rateLimits: { tokens: Rate; searches: Rate };
  /** DICOMweb base URL for accepted stills of sites without a `dicomweb_url` of their own (pacs/outbox.ts). */
  dicomwebUrl: string | undefined;
  /** Where the HL7 v2 listener takes monitors' ORU^R01 over MLLP (vitals/listener.ts); null: off. */
  hl7: { host: string; port: number } | null;
};

/** The api's configuration from `env` (process.env); throws naming every bad variable (parseEnv). */
export function parseApiConfig(env: Readonly<Record<string, string | undefined>>): ApiConfig {
  const e = parseEnv(ApiEnv, env);
  return {
    db: { url: e.LOUPE_DB_URL, authToken: e.LOUPE_DB_AUTH_TOKEN },
    host: e.LOUPE_API_HOST,
    port: e.LOUPE_API_PORT,
    cookieSecure: e.LOUPE_COOKIE_SECURE,
    openSignup: e.LOUPE_OPEN_SIGNUP,
    sessionIdleMs: e.LOUPE_SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: e.LOUPE_SESSION_MAX_HOURS * 3_600_000,
    livekit: {
      url: e.LIVEKIT_URL,
      publicUrl: e.LIVEKIT_PUBLIC_URL,
      apiKey: e.LIVEKIT_API_KEY,
      apiSecret: e.LIVEKIT_API_SECRET,
      nodes: e.LOUPE_LIVEKIT_URLS ?? null,
      departureTimeoutS: e.LOUPE_ROOM_DEPARTURE_SECONDS,
    },
    livekitCatchUpMs: e.LOUPE_LIVEKIT_CATCH_UP_SECONDS * 1000,
    recordingLeaseMs: Math.round(e.LOUPE_RECORDING_LEASE_SECONDS * 1000),
    recorderToken: e.LOUPE_RECORDER_TOKEN,
    mediaDir: resolve(e.LOUPE_MEDIA_DIR),
    s3: s3Settings(e),
    auditAnchorFile: anchorFile(e),
    caseRetentionMs: e.LOUPE_CASE_RETENTION_DAYS * 86_400_000,
    trustedProxies: e.LOUPE_TRUSTED_PROXIES,
    publicOrigin: new URL(e.LOUPE_PUBLIC_URL).origin,
    rateLimits: {
      tokens: { perMinute: e.LOUPE_TOKENS_PER_MINUTE, burst: e.LOUPE_TOKEN_BURST },
      searches: { perMinute: e.LOUPE_SEARCHES_PER_MINUTE, burst: e.LOUPE_SEARCH_BURST },
    },
    dicomwebUrl: e.LOUPE_DICOMWEB_URL,
    hl7: e.LOUPE_HL7_PORT ? { host: e.LOUPE_HL7_HOST, port: e.LOUPE_HL7_PORT } : null,
  };
}

/** Only the database's settings, for the migration and seed scripts: they need no LiveKit keys. */
export function parseDbConfig(env: Readonly<Record<string, string | undefined>>): ApiConfig['db'] {
  const e = parseEnv(SharedEnv.pick({ LOUPE_DB_URL: true, LOUPE_DB_AUTH_TOKEN: true }), env);
  return { url: e.LOUPE_DB_URL, authToken: e.LOUPE_DB_AUTH_TOKEN };
}

/** The database's file when LOUPE_DB_URL names one; null for a libSQL server. */
function databaseFile(dbUrl: string): string | null {
  return dbUrl.startsWith('file:') ? resolve(dbUrl.slice('file:'.length).split('?')[0]!) : null;
}

/**
 * LOUPE_AUDIT_ANCHOR_FILE, else audit-anchor.jsonl beside the database file (in data/ by
 * default, and for a libSQL server): each database keeps its own anchors, a test's temporary
 * one included. That is outside the database but on its disk; a deployment should point it
 * somewhere whoever can rewrite the database cannot.
 */
function anchorFile(e: { LOUPE_DB_URL: string; LOUPE_AUDIT_ANCHOR_FILE?: string | undefined }): string {
  if (e.LOUPE_AUDIT_ANCHOR_FILE) return resolve(e.LOUPE_AUDIT_ANCHOR_FILE);
  const db = databaseFile(e.LOUPE_DB_URL);
  return join(db ? dirname(db) : resolve('data'), 'audit-anchor.jsonl');
}
