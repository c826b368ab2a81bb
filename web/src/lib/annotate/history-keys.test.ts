import { describe, expect, it } from 'vitest';
import { historyShortcut } from './history-keys.ts';

const press = (key: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean; alt?: boolean } = {}, target: unknown = { tagName: 'BODY' }) => ({
  key,
  ctrlKey: !!mods.ctrl,
  metaKey: !!mods.meta,
  shiftKey: !!mods.shift,
  altKey: !!mods.alt,
  target,
});

describe('undo and redo keys', () => {
  it('Ctrl+Z undoes; Ctrl+Shift+Z and Ctrl+Y redo; Cmd does the same on a Mac', () => {
    expect(historyShortcut(press('z', { ctrl: true }))).toBe('undo');
    expect(historyShortcut(press('Z', { ctrl: true, shift: true }))).toBe('redo');
    expect(historyShortcut(press('y', { ctrl: true }))).toBe('redo');
    expect(historyShortcut(press('z', { meta: true }))).toBe('undo');
    expect(historyShortcut(press('z', { meta: true, shift: true }))).toBe('redo');
  });

  it('leaves other keys alone', () => {
    expect(historyShortcut(press('z'))).toBeNull();
    expect(historyShortcut(press('x', { ctrl: true }))).toBeNull();
    expect(historyShortcut(press('z', { ctrl: true, alt: true }))).toBeNull();
  });

  it('does nothing while the mentor types a label, a bookmark or in any text field', () => {
    expect(historyShortcut(press('z', { ctrl: true }, { tagName: 'INPUT', type: 'text' }))).toBeNull();
    expect(historyShortcut(press('z', { ctrl: true }, { tagName: 'INPUT', type: 'search' }))).toBeNull();
    expect(historyShortcut(press('z', { ctrl: true }, { tagName: 'TEXTAREA' }))).toBeNull();
    expect(historyShortcut(press('z', { ctrl: true }, { tagName: 'DIV', isContentEditable: true }))).toBeNull();
    // A tool button or a tick box has the focus: the drawing is what Ctrl+Z is about.
    expect(historyShortcut(press('z', { ctrl: true }, { tagName: 'BUTTON' }))).toBe('undo');
    expect(historyShortcut(press('z', { ctrl: true }, { tagName: 'INPUT', type: 'checkbox' }))).toBe('undo');
  });
});
