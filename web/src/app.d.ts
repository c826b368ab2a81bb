import type { User } from '@loupe/protocol';
import type { Locale } from '$lib/paraglide/runtime.js';

declare global {
  namespace App {
    interface Locals {
      user: User | null;
      locale: Locale;
      /** The reader's languages from Accept-Language, most wanted first. */
      languages: string[];
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}

export {};
