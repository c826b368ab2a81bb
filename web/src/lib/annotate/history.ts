/**
 * Undo and redo of the mentor's own actions, each done by one erase or restore op:
 * - an annotation added: undo erases it, redo restores it;
 * - an annotation rubbed out with the eraser (anyone's): undo restores it, redo erases it again;
 * - Clear all: undo erases the clear op itself, which takes the clear back and brings back all
 *   it hid (see protocol/src/overlay.ts); redo restores the clear.
 */
import { annotationKey, type OverlayState, type Target } from '@loupe/protocol';

export type OwnAction = { kind: 'added' | 'erased' | 'cleared'; target: Target };
export type HistoryStep = { kind: 'erase' | 'restore'; target: Target };

const UNDO = { added: 'erase', erased: 'restore', cleared: 'erase' } as const;
const REDO = { added: 'restore', erased: 'erase', cleared: 'restore' } as const;

/**
 * Whether undoing `action` would change nothing on the picture now, because someone got there
 * first: the annotation added is gone (erased by anyone, cleared), the one erased is back or
 * cleared since, the clear was taken back.
 */
export function isMoot(action: OwnAction, state: OverlayState): boolean {
  if (action.kind === 'cleared') return !state.isClearInForce(action.target);
  const key = annotationKey(action.target);
  const a = state.annotations.get(key);
  if (!a || state.isCleared(a)) return true;
  return action.kind === 'added' ? state.isErased(key) : !state.isErased(key);
}

export class OwnHistory {
  private done: OwnAction[] = [];
  private undone: OwnAction[] = [];

  /** Something the mentor did; what was undone before it can no longer be redone. */
  record(action: OwnAction): void {
    this.done.push(action);
    this.undone = [];
  }

  /** The op that undoes the latest action, skipping those that are moot now. */
  undo(moot: (action: OwnAction) => boolean): HistoryStep | null {
    while (this.done.length) {
      const action = this.done.pop()!;
      if (moot(action)) continue;
      this.undone.push(action);
      return { kind: UNDO[action.kind], target: action.target };
    }
    return null;
  }

  /** The op that does again the action undone last. */
  redo(): HistoryStep | null {
    const action = this.undone.pop();
    if (!action) return null;
    this.done.push(action);
    return { kind: REDO[action.kind], target: action.target };
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }
}
