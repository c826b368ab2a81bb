import type { PageServerLoad } from './$types';
import { loadLiveView } from '$lib/server/live-view.ts';

export const load: PageServerLoad = (event) => loadLiveView(event, 'mentor');
