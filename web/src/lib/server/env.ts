import { env } from '$env/dynamic/private';

/** Where the web server finds the api (server side only; browsers go through /api). */
export const API_URL = (env.LOUPE_API_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '');
