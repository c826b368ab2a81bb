/**
 * The one way the api reaches a PACS (STOW-RS sends, prior-imaging reads). A site's DICOMweb URL
 * is checked when it is saved (protocol/src/sites.ts `isMetadataHost`), but a host *name* passes
 * that check and may resolve, then or later, to a link-local or cloud metadata address (DNS
 * rebinding: 169.254.169.254 answers with the machine's cloud credentials). So every connection
 * resolves the name itself, refuses if any address is one of those, and connects to the checked
 * address: the lookup hook of the HTTP agent, not a second resolution that could answer otherwise.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isMetadataHost } from '@loupe/protocol';
import { Agent, fetch, type RequestInit, type Response } from 'undici';

/** A host name's addresses; the system resolver unless a test says otherwise. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true });

/** Why the api did not connect: the PACS's address is one it never sends to. */
export class PacsAddressError extends Error {}

/** A net.connect lookup that only ever hands out addresses that passed isMetadataHost. */
function checkedLookup(resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const addresses = found.filter((a) => !options.family || a.family === options.family);
        const refused = addresses.find((a) => isMetadataHost(a.address));
        if (refused) return callback(new PacsAddressError(refusal(hostname, refused.address)), '', 0);
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        // Happy eyeballs (net's autoSelectFamily) asks for all of them.
        if (options.all) return (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

const refusal = (hostname: string, address: string) =>
  `${hostname === address ? address : `${hostname} resolves to ${address}, which`} is a link-local or cloud metadata address: the api never connects there. Give the site its PACS's own address`;

const agents = new WeakMap<Resolve, Agent>();
function agentFor(resolve: Resolve): Agent {
  let agent = agents.get(resolve);
  if (!agent) agents.set(resolve, (agent = new Agent({ connect: { lookup: checkedLookup(resolve) } })));
  return agent;
}

/**
 * fetch() to a PACS. Throws PacsAddressError (before any connection) when the URL's host is, or
 * resolves to, a link-local or metadata address; redirects are refused, as a redirect to such an
 * address written as a literal would not pass through the lookup.
 */
export async function fetchPacs(url: string, init: Omit<RequestInit, 'dispatcher' | 'redirect'>, resolve: Resolve = systemResolve): Promise<Response> {
  const { hostname } = new URL(url);
  if (isMetadataHost(hostname)) throw new PacsAddressError(refusal(hostname, hostname));
  try {
    return await fetch(url, { ...init, redirect: 'error', dispatcher: agentFor(resolve) });
  } catch (err) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof PacsAddressError) throw cause;
    throw err;
  }
}
