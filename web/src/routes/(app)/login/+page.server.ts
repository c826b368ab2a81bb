import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { nextPath } from '$lib/auth/next-path.ts';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, nextPath(url.searchParams.get('next'), url.origin));
};
