import type { User } from '@loupe/protocol';
import type { Locale } from '$lib/i18n/locales.ts';

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
