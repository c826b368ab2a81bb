import { env } from '$env/dynamic/private';
import { parseWebConfig } from './env-schema.ts';

const config = parseWebConfig(env);

/** Where the web server finds the api (server side only; browsers go through /api). */
export const API_URL = config.apiUrl;

/** The livekit-server nodes browsers connect to; the pages' CSP allows exactly their origins. */
export const LIVEKIT_PUBLIC_URLS = config.livekitPublicUrls;
