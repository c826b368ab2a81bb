import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  // Compiles messages/*.json into src/lib/paraglide (options in project.inlang/paraglide.config.js).
  plugins: [paraglideVitePlugin({ project: './project.inlang' }), sveltekit()],
  server: { port: 5173, strictPort: true },
});
