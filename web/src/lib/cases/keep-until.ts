/**
 * A case's keep-until moment and the date input that changes it. The input holds a day in the
 * reader's time zone; the case is deleted as that day begins, so the day shown is the day it goes.
 */
import { MAX_RETENTION_DAYS } from '@loupe/protocol';

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** The day an instant falls on, as a date input's value (YYYY-MM-DD). */
export function dayOf(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A date input's value as the instant its day begins. */
export function startOfDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d!).toISOString();
}

/** The days the api accepts, from tomorrow to MAX_RETENTION_DAYS ahead, as the input's min and max. */
export function keepUntilRange(now = Date.now()): { min: string; max: string } {
  return { min: dayOf(new Date(now + DAY_MS).toISOString()), max: dayOf(new Date(now + MAX_RETENTION_DAYS * DAY_MS).toISOString()) };
}
