export { ROOT, TOOLS_BIN, LIVEKIT_BIN, CHROMIUM_BIN } from './paths.ts';
export { freePort, waitForHttp } from './ports.ts';
export { spawnService } from './service.ts';
export type { Service, SpawnOptions } from './service.ts';
export { startLiveKit, generateKeys, livekitConfigYaml } from './livekit.ts';
export type { LiveKit, LiveKitKeys, LiveKitOptions } from './livekit.ts';
export { launchChromium } from './chromium.ts';
export type { ChromiumOptions } from './chromium.ts';
