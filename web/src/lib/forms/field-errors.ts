import type { z } from 'zod';

/** The first problem per top-level field of a failed zod parse, for showing beside inputs. */
export function fieldErrors<T extends string>(error: z.ZodError): Partial<Record<T, true>> {
  const out: Partial<Record<T, true>> = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (typeof field === 'string') out[field as T] = true;
  }
  return out;
}
