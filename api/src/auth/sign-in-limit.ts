/**
 * Throttles password guessing, per account (the email typed, whether or not an account has
 * it, so a lockout reveals nothing) and per client address.
 *
 * Per account: the 5th failure locks the account for 30 s, each further one for twice as
 * long, at most 15 minutes; a correct password resets it, and an hour without failures or
 * lockout forgets them. Per address: the same from the 20th failure, because one hospital's
 * staff often share a single NAT address; a success does not reset it, or an attacker could
 * wipe it by signing into an account of their own.
 *
 * The trade-off: anyone who knows an email can keep that account locked by one wrong guess
 * per lockout, but never for more than 15 minutes at a time, and attempts refused while
 * locked do not lengthen the lockout, so hammering gains nothing. Locking many accounts needs
 * many addresses, since each address is throttled too. The gain: at most about 160 guesses a
 * day at one account (10 per lockout cycle of 90 minutes), against passwords of 12 characters
 * or more that are not common ones.
 */
import type { Db } from '../db/client.ts';
import { FailureBackoff, formatWait, tooManyRequests, type BackoffPolicy, type Clock } from '../http/rate-limit.ts';

const MINUTE = 60_000;
const ACCOUNT: BackoffPolicy = { threshold: 5, baseMs: 30_000, maxMs: 15 * MINUTE, forgetMs: 60 * MINUTE };
const ADDRESS: BackoffPolicy = { ...ACCOUNT, threshold: 20 };

export type SignInLimit = ReturnType<typeof signInLimit>;

/** A lockout an attempt's failure started: of the account (the email typed) or the address. */
export type SignInLock = { scope: 'account' | 'address'; ms: number };

/** Kept in the database: every api process of a cluster counts the same failures (http/rate-limit.ts). */
export function signInLimit(db: Db, now?: Clock) {
  const accounts = new FailureBackoff(db, 'sign-in-account', ACCOUNT, now);
  const addresses = new FailureBackoff(db, 'sign-in-address', ADDRESS, now);
  return {
    /**
     * Runs one sign-in attempt for `email` from `address` under both limits: a 429 with
     * Retry-After while either is locked, else `verify`'s verdict, which is then counted, and
     * the lockouts its failure started (to be audited: once per lockout, however hard the
     * locked account or address is hammered).
     */
    async attempt(email: string, address: string, verify: () => Promise<boolean>): Promise<{ ok: boolean; locks: SignInLock[] }> {
      const accountWait = await accounts.begin(email);
      if (accountWait > 0) {
        throw tooManyRequests(accountWait, `Too many failed sign-ins for this account; try again in ${formatWait(accountWait)}`);
      }
      const addressWait = await addresses.begin(address);
      if (addressWait > 0) {
        await accounts.end(email, 'done');
        throw tooManyRequests(addressWait, `Too many failed sign-ins from this network; try again in ${formatWait(addressWait)}`);
      }
      let ok = false;
      const locks: SignInLock[] = [];
      try {
        ok = await verify();
      } finally {
        const account = await accounts.end(email, ok ? 'reset' : 'failed');
        const network = await addresses.end(address, ok ? 'done' : 'failed');
        if (account) locks.push({ scope: 'account', ms: account });
        if (network) locks.push({ scope: 'address', ms: network });
      }
      return { ok, locks };
    },
  };
}
