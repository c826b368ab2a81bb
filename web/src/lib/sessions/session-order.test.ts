import { describe, expect, it } from 'vitest';
import { dashboardLists } from './session-order.ts';

const session = (title: string, status: 'scheduled' | 'live' | 'ended', scheduledAt: string, endedAt: string | null = null) => ({
  title,
  status,
  scheduledAt: `${scheduledAt}T09:00:00.000Z`,
  endedAt: endedAt && `${endedAt}T12:00:00.000Z`,
});

describe('the dashboard’s lists', () => {
  // As the api lists them: latest scheduled first.
  const sessions = [
    session('next year', 'scheduled', '2037-01-10'),
    session('next month', 'scheduled', '2036-12-20'),
    session('tomorrow', 'scheduled', '2036-12-04'),
    session('running late', 'live', '2036-12-01'),
    session('ended last', 'ended', '2036-11-30', '2036-12-02'),
    session('ended first', 'ended', '2036-12-01', '2036-12-01'),
  ];

  it('lists what is to come soonest first, with a live session before all of it', () => {
    expect(dashboardLists(sessions).current.map((s) => s.title)).toEqual(['running late', 'tomorrow', 'next month', 'next year']);
  });

  it('lists ended sessions by when they ended, the latest first', () => {
    expect(dashboardLists(sessions).past.map((s) => s.title)).toEqual(['ended last', 'ended first']);
  });
});
