/** Undo/redo of the mentor's own annotations: undo erases the latest, redo brings it back. */
import type { Target } from '@loupe/protocol';

export class OwnHistory {
  private done: Target[] = [];
  private undone: Target[] = [];

  added(target: Target): void {
    this.done.push(target);
    this.undone = [];
  }

  /** The annotation to erase for an undo, skipping ones already gone (erased by anyone, cleared). */
  undo(isGone: (t: Target) => boolean): Target | null {
    while (this.done.length) {
      const target = this.done.pop()!;
      if (!isGone(target)) {
        this.undone.push(target);
        return target;
      }
    }
    return null;
  }

  redo(): Target | null {
    const target = this.undone.pop() ?? null;
    if (target) this.done.push(target);
    return target;
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }
}
