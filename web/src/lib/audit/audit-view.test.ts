import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '@loupe/protocol';
import { inLocale } from '../i18n/in-locale.ts';
import { auditQuery, filtersHref, readFilters } from './filters.ts';
import { summarise } from './summary.ts';

const entry = (action: AuditEntry['action'], detail: Record<string, unknown>): AuditEntry => ({
  seq: 1,
  at: '2026-11-20T08:00:00.000Z',
  actorId: null,
  actorLabel: 'Dr. Lin',
  action,
  targetType: null,
  targetId: null,
  targetLabel: null,
  sessionId: null,
  sessionTitle: null,
  detail,
  ip: null,
  hash: 'x',
});

describe('the audit page', () => {
  it('reads its filters from the URL, ignoring what is not a day, and keeps them across pages', () => {
    const site = '0b8a51c4-5d3e-4c71-9b0e-2f6a8d1e7c40';
    const filters = readFilters(new URLSearchParams(`action=case&site=${site}&from=2026-11-01&to=yesterday&page=3`));
    expect(filters).toEqual({ action: 'case', actor: '', session: '', site, from: '2026-11-01', to: '', page: 3 });
    expect(filtersHref(filters, 4)).toBe(`/admin/audit?action=case&site=${site}&from=2026-11-01&page=4`);
    expect(auditQuery(filters, 50)).toMatchObject({ site });
  });

  it('asks the api for whole days: from the first midnight to the one after the last day', () => {
    const query = auditQuery(readFilters(new URLSearchParams('from=2026-11-01&to=2026-11-02')), 50);
    expect(new Date(query.from!).getTime()).toBe(new Date('2026-11-01T00:00:00').getTime());
    expect(new Date(query.to!).getTime()).toBe(new Date('2026-11-03T00:00:00').getTime());
    expect(query).toMatchObject({ page: '1', pageSize: '50' });
  });

  it('sums up an entry’s detail in the reader’s language', () => {
    const en = (e: AuditEntry) => inLocale('en', () => summarise(e));
    const zh = (e: AuditEntry) => inLocale('zh', () => summarise(e));
    const start = entry('recording.start', { consentOnFile: true, noIdentifiersInView: true, consentAt: '…' });
    expect(en(start)).toBe('Consent on file ✓ · No identifiers in view ✓');
    expect(en(entry('recording.start', { consentOnFile: false, noIdentifiersInView: true }))).toMatch(/^Consent on file ✗/);
    expect(zh(entry('session.token', { role: 'observer', displayOnly: true }))).toBe('观摩者 · 仅显示');
    expect(en(entry('session.joined_room', { role: 'observer', source: 'catch-up' }))).toBe('Observer · found after an api outage');
    expect(en(entry('session.joined_room', { role: 'observer', source: 'webhook' }))).toBe('Observer');
    const moved = entry('session.member_role_changed', { email: 'li@h.test', from: 'observer', to: 'mentor' });
    expect(en(moved)).toBe('li@h.test · Observer → Mentor');
    expect(en(entry('access.denied', { status: 404, method: 'GET', path: '/cases/x' }))).toBe('404 · GET /cases/x');
    expect(en(entry('auth.sign_in_locked', { scope: 'account', seconds: 30 }))).toBe('account paused for 30 s');
    expect(zh(entry('auth.sign_in_locked', { scope: 'address', seconds: 900 }))).toBe('网络地址暂停登录 15 分钟');
  });
});
