import { inArray } from 'drizzle-orm';
import { checklist, type ExamReport, type ReportView } from '@loupe/protocol';
import type { Db } from '../db/client.ts';
import { exams, liveSessions, sites, users } from '../db/schema.ts';
import { loadExam, protocolVersion } from './queries.ts';

const seconds = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10;

/**
 * An exam's QC report: per view of its protocol version, the verdict, the stills and retakes it
 * took, the time from its first capture to acceptance, the score and the reviewer's words.
 */
export async function examReport(db: Db, row: typeof exams.$inferSelect, session: typeof liveSessions.$inferSelect): Promise<ExamReport> {
  const { stills, ...exam } = await loadExam(db, row);
  const protocol = (await protocolVersion(db, row.protocolKey, row.protocolVersion))!;
  const list = checklist(protocol, stills);
  const views = list.views.map((p): ReportView => {
    const mine = stills.filter((s) => s.viewKey === p.view.key);
    const accepted = mine.find((s) => s.verdict === 'accepted');
    return {
      view: p.view,
      verdict: accepted ? 'accepted' : mine.some((s) => s.verdict === 'pending') ? 'pending' : mine.length ? 'retake' : 'missing',
      stills: mine.length,
      retakes: p.retakes,
      secondsToAccept: accepted?.verdictAt && mine[0] ? seconds(mine[0].capturedAt, accepted.verdictAt) : null,
      score: accepted?.score ?? null,
      comments: mine.filter((s) => s.verdict !== 'pending').map((s) => ({ verdict: s.verdict, reason: s.reason, comment: s.comment })),
      acceptedStillId: accepted?.id ?? null,
    };
  });
  const scores = stills.filter((s) => s.verdict === 'accepted' && s.score !== null).map((s) => s.score!);
  const siteIds = [session.siteId, session.reviewSiteId].filter((id): id is string => !!id);
  const siteNames = new Map(siteIds.length ? (await db.select().from(sites).where(inArray(sites.id, siteIds))).map((s) => [s.id, s.name]) : []);
  const personIds = [row.sonographerId, row.signedBy].filter((id): id is string => !!id);
  const names = new Map(personIds.length ? (await db.select().from(users).where(inArray(users.id, personIds))).map((u) => [u.id, u.name]) : []);
  return {
    exam,
    protocolName: protocol.name,
    session: { id: session.id, title: session.title },
    site: session.siteId ? (siteNames.get(session.siteId) ?? null) : null,
    reviewSite: session.reviewSiteId ? (siteNames.get(session.reviewSiteId) ?? null) : null,
    sonographer: row.sonographerId ? (names.get(row.sonographerId) ?? null) : null,
    reviewer: row.signedBy ? (names.get(row.signedBy) ?? null) : null,
    views,
    complete: list.complete,
    meanScore: scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 10) / 10 : null,
  };
}
