import type { BrowserContext } from 'playwright-core';

/** Something a page tried that its Content-Security-Policy or Permissions-Policy refused. */
export type PolicyViolation = { page: string; what: string };

/**
 * Records every policy violation in the context's pages: the `securitypolicyviolation` events
 * (with the directive and what was blocked), and Chromium's console reports, which also cover
 * a Permissions-Policy header it could not parse.
 */
export async function watchPolicyViolations(context: BrowserContext, into: PolicyViolation[]): Promise<void> {
  await context.exposeBinding('__loupePolicyViolation', ({ page }, what: string) => void into.push({ page: page.url(), what }));
  await context.addInitScript(() => {
    const report = (window as unknown as { __loupePolicyViolation(what: string): Promise<void> }).__loupePolicyViolation;
    document.addEventListener('securitypolicyviolation', (e) => {
      void report(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  context.on('page', (page) =>
    page.on('console', (message) => {
      if (/Content Security Policy|Permissions-Policy/i.test(message.text())) into.push({ page: page.url(), what: message.text() });
    }),
  );
}
