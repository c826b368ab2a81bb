import { onMount } from 'svelte';

/** What a live session's room feeds a panel (its patient, its monitor): loaded from the api, then kept current by the room until closed. */
export type RoomFeed = { load(): Promise<void>; close(): void };

/**
 * Opens a room feed while the calling component is on screen: made and loaded once it mounts
 * (never in server rendering, which has no room), closed when it goes. `current` is null before.
 * @example const patient = openWhileMounted(() => new PatientRoom(sessionId, room)); // patient.current?.banner
 */
export function openWhileMounted<T extends RoomFeed>(open: () => T): { readonly current: T | null } {
  let feed = $state<T | null>(null);
  onMount(() => {
    const opened = open();
    feed = opened;
    void opened.load();
    return () => opened.close();
  });
  return {
    get current() {
      return feed;
    },
  };
}
