import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    adapter: adapter(),
    // Forms post JSON through the typed client; SvelteKit's origin check stays on for form actions.
    csrf: { trustedOrigins: [] },
    // The static part of the Content-Security-Policy; SvelteKit adds a nonce for its inline
    // start-up script. connect-src depends on where livekit-server is, so hooks.server.ts adds
    // it at run time (src/lib/server/security-headers.ts). No 'unsafe-eval': the client sets
    // zod to jitless (src/hooks.client.ts).
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        // Style attributes must stay allowed: the server renders `style:` directives (a
        // colour swatch, a chapter marker's position) and app.html's wrapper as attributes,
        // and hydration keeps them rather than re-setting them through the CSSOM. Nonces and
        // hashes cannot cover attributes. <style> elements, the CSS-injection risk, are
        // limited to this origin; `style-src` is the fallback for browsers without -elem/-attr.
        'style-src': ['self', 'unsafe-inline'],
        'style-src-elem': ['self'],
        'style-src-attr': ['unsafe-inline'],
        // Freeze-frame stills are blob: URLs.
        'img-src': ['self', 'data:', 'blob:'],
        'media-src': ['self', 'blob:'],
        // livekit-client starts a worker only when given one (end-to-end encryption, unused).
        'worker-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};

export default config;
