import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    adapter: adapter(),
    // Forms post JSON through the typed client; SvelteKit's origin check stays on for form actions.
    csrf: { trustedOrigins: [] },
  },
};

export default config;
