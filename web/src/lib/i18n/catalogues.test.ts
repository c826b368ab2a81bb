import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Paraglide falls back to English for a message missing in Chinese, and compiles a message
// nobody uses: neither fails a build. These checks do.
const WEB = join(import.meta.dirname, '../../..');
const SRC = join(WEB, 'src');
const GENERATED = join(SRC, 'lib/paraglide');

const settings = JSON.parse(readFileSync(join(WEB, 'project.inlang/settings.json'), 'utf8')) as { baseLocale: string; locales: string[] };

/** A catalogue's messages by key; `$schema` is the editor's, not a message. */
function catalogue(locale: string): Record<string, unknown> {
  const { $schema: _, ...messages } = JSON.parse(readFileSync(join(WEB, 'messages', `${locale}.json`), 'utf8')) as Record<string, unknown>;
  return messages;
}

/** A message's parameters: `{name}` in a plain message; `input name` declared in one with variants (plurals). */
function parametersOf(message: unknown): string[] {
  const names = Array.isArray(message)
    ? message.flatMap((variant: { declarations?: string[] }) => (variant.declarations ?? []).flatMap((d) => /^input (\w+)$/.exec(d)?.[1] ?? []))
    : [...String(message).matchAll(/(?<!\\)\{(\w+)\}/g)].map((match) => match[1]!);
  return [...new Set(names)].sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === GENERATED ? [] : sourceFiles(path);
    return /\.(svelte|ts)$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const base = catalogue(settings.baseLocale);

describe('the message catalogues', () => {
  it.each(settings.locales.filter((l) => l !== settings.baseLocale))('%s has every message, with the same parameters, and no other', (locale) => {
    const translated = catalogue(locale);
    expect(Object.keys(translated).sort()).toEqual(Object.keys(base).sort());
    for (const [key, message] of Object.entries(base)) {
      expect(translated[key], key).toBeTruthy();
      expect(parametersOf(translated[key]), key).toEqual(parametersOf(message));
    }
  });

  it('has no message the app does not use', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bm(?:\.(\w+)|\[\s*['"]([^'"]+)['"]\s*\])/g)) used.add(match[1] ?? match[2]!);
    }
    expect(sourceFiles(SRC).map((f) => relative(SRC, f))).toContain('routes/+layout.svelte');
    expect(Object.keys(base).filter((key) => !used.has(key))).toEqual([]);
  });
});
