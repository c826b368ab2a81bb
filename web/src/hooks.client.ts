import { z } from 'zod';

// Zod compiles object parsers with `new Function` when it may, and probes for that on the
// first object schema it builds. The pages' CSP has no 'unsafe-eval', so the probe would be
// reported as a violation on every page: tell zod not to try. SvelteKit evaluates this
// module before it loads any route (and so @loupe/protocol's schemas).
z.config({ jitless: true });
