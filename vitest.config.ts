import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/**
 * One config, one project per kind of test. `make test` runs them all; the cross-process
 * projects (real livekit-server, real Chromium) run one file at a time on this 2-core box.
 * The load test and the longest faults run for many minutes: their projects exist only when
 * `make load` or `make test-long` asks for them.
 */
const load = {
  test: {
    name: 'load',
    include: ['bench/test/**/*.test.ts'],
    environment: 'node',
    hookTimeout: 180_000,
    fileParallelism: false,
  },
};
/** The longest faults (minutes each): only when `make test-long` asks for them. */
const LONG_FAULTS = 'web/test/**/*-long.e2e.test.ts';
/**
 * A cluster's node killed under a live room and under its recorder (`make cluster`, two nodes of
 * each): ~100 s together, with `make test-long`. `make test` was 32 minutes on this 2-core box.
 */
const CLUSTER_FAILOVER = ['web/test/cluster.e2e.test.ts', 'recorder/test/node-failover.test.ts'];
const long = {
  test: {
    name: 'long',
    include: [LONG_FAULTS, ...CLUSTER_FAILOVER],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
};

export default defineConfig({
  test: {
    projects: [
      {
        // Svelte compiles the web's rune state (`.svelte.ts`), so its classes run in tests as on the page.
        plugins: [svelte({ configFile: false })],
        test: {
          name: 'unit',
          include: [
            'protocol/src/**/*.test.ts',
            'api/src/**/*.test.ts',
            'recorder/src/**/*.test.ts',
            'web/src/**/*.test.ts',
            'stack/src/**/*.test.ts',
            'media-store/src/**/*.test.ts',
          ],
          environment: 'node',
          // A deadline for a test that hangs, not a speed goal: an api test that takes 1 s on a
          // quiet box took over 5 s (vitest's default) with the box loaded to 15.
          testTimeout: 30_000,
          // A file a core (vitest's default leaves one core free: on this 2-core box the ~110
          // unit files ran one at a time). They run before the cross-process projects, never beside them.
          maxWorkers: '100%',
          // A worker's files share their modules, loaded once (113 → 65–72 s on this box). No unit
          // test mocks a module or leaves a global changed: fake timers and stubs are undone by each.
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['api/test/**/*.test.ts', 'recorder/test/**/*.test.ts', 'stack/test/**/*.test.ts', 'media-store/test/**/*.test.ts'],
          exclude: CLUSTER_FAILOVER,
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['web/test/**/*.test.ts'],
          exclude: [LONG_FAULTS, ...CLUSTER_FAILOVER],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      ...(process.env.LOUPE_LOAD === '1' ? [load] : []),
      ...(process.env.LOUPE_LONG === '1' ? [long] : []),
    ],
  },
});
