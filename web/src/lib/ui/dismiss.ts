/**
 * Puts a pop-up away on Escape (the focus goes back to the button that opened it) or on a press
 * anywhere outside it. Returns what stops listening: call it from an `$effect`'s cleanup.
 *
 * @example $effect(() => (open && root ? dismissOnOutside(root, toggle, () => (open = false)) : undefined));
 */
export function dismissOnOutside(root: HTMLElement, toggle: HTMLElement | null, close: () => void): () => void {
  const outside = (event: PointerEvent) => {
    if (!root.contains(event.target as Node)) close();
  };
  const escape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    close();
    toggle?.focus();
  };
  window.addEventListener('pointerdown', outside, true);
  window.addEventListener('keydown', escape);
  return () => {
    window.removeEventListener('pointerdown', outside, true);
    window.removeEventListener('keydown', escape);
  };
}
