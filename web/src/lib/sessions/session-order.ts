import type { LiveSession } from '@loupe/protocol';

/**
 * The dashboard's two lists. Sessions to come are read as an agenda: live ones first, then the
 * soonest. Ended ones are read as a history: the latest first.
 */
export function dashboardLists<S extends Pick<LiveSession, 'status' | 'scheduledAt' | 'endedAt'>>(sessions: readonly S[]): { current: S[]; past: S[] } {
  const at = (iso: string | null) => (iso ? Date.parse(iso) : 0);
  const current = sessions
    .filter((s) => s.status !== 'ended')
    .sort((a, b) => Number(b.status === 'live') - Number(a.status === 'live') || at(a.scheduledAt) - at(b.scheduledAt));
  const past = sessions.filter((s) => s.status === 'ended').sort((a, b) => at(b.endedAt ?? b.scheduledAt) - at(a.endedAt ?? a.scheduledAt));
  return { current, past };
}
