export { MediaStore } from './store.ts';
export type { MediaFile, MediaStoreOptions } from './store.ts';
