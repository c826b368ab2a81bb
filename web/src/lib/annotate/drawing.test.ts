import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { MAX_ANNOTATIONS_PER_AUTHOR, TOPICS, type Point } from '@loupe/protocol';
import { fakeFrames, mentorPage, RECT } from './test-room.ts';

let frames: ReturnType<typeof fakeFrames>;
let page: ReturnType<typeof mentorPage>;
beforeEach(() => {
  frames = fakeFrames();
  page = mentorPage();
});
afterEach(() => {
  page.dispose();
  vi.unstubAllGlobals();
});

/** The mentor drags from `from` to `to` with the tool in hand, through `via`. */
function drag(from: Point, to: Point, via: Point[] = []) {
  page.drawing.pointer('down', [from], RECT);
  for (const p of via) page.drawing.pointer('move', [p], RECT);
  page.drawing.pointer('up', [to], RECT);
}
const arrow = (y = 0.5) => {
  page.drawing.tool = 'arrow';
  drag([0.1, y], [0.9, y]);
};

describe('drawing tools', () => {
  it('the pen draws a stroke through every point the mentor moved through, sent as it is drawn', () => {
    page.drawing.tool = 'pen';
    page.drawing.pointer('down', [[0.1, 0.1]], RECT);
    page.drawing.pointer(
      'move',
      [
        [0.2, 0.2],
        [0.3, 0.3],
      ],
      RECT,
    );
    frames.paint();
    expect(page.sent()).toEqual(['stroke.begin', 'stroke.points']);
    page.drawing.pointer('move', [[0.4, 0.4]], RECT);
    page.drawing.pointer('up', [[0.5, 0.5]], RECT);
    expect(page.sent()).toEqual(['stroke.begin', 'stroke.points', 'stroke.points', 'stroke.end']);
    const [stroke] = page.sync.visible();
    expect(stroke).toMatchObject({
      kind: 'stroke',
      points: [
        [0.1, 0.1],
        [0.2, 0.2],
        [0.3, 0.3],
        [0.4, 0.4],
        [0.5, 0.5],
      ],
    });
  });

  it('an arrow follows the pointer as a preview while dragged, and is drawn for everyone on release', () => {
    page.drawing.tool = 'arrow';
    page.drawing.pointer('down', [[0.1, 0.1]], RECT);
    page.drawing.pointer('move', [[0.4, 0.3]], RECT);
    expect(page.drawing.preview).toMatchObject({ kind: 'arrow', from: [0.1, 0.1], to: [0.4, 0.3] });
    expect(page.sent()).toEqual([]);
    page.drawing.pointer('up', [[0.6, 0.5]], RECT);
    expect(page.drawing.preview).toBeNull();
    expect(page.sent()).toEqual(['shape']);
    expect(page.sync.visible()).toMatchObject([{ kind: 'arrow', from: [0.1, 0.1], to: [0.6, 0.5] }]);
  });

  it('a click with the ellipse tool, without a drag, draws nothing', () => {
    page.drawing.tool = 'ellipse';
    drag([0.5, 0.5], [0.501, 0.501]);
    expect(page.shown()).toEqual([]);
    expect(page.sent()).toEqual([]);
  });

  it('a text label is placed where the mentor clicked once they type it; an empty one is not', () => {
    page.drawing.tool = 'text';
    page.drawing.pointer('down', [[0.3, 0.4]], RECT);
    page.drawing.pendingText!.value = '  Cystic duct  ';
    page.drawing.placeText();
    expect(page.sync.visible()).toMatchObject([{ kind: 'text', at: [0.3, 0.4], text: 'Cystic duct' }]);
    page.drawing.pointer('down', [[0.6, 0.6]], RECT);
    page.drawing.pendingText!.value = '   ';
    page.drawing.placeText();
    expect(page.drawing.pendingText).toBeNull();
    expect(page.shown()).toEqual(['text']);
  });

  it('the colour, width and fade chosen are what the drawing is sent with', () => {
    page.drawing.color = '#76ff03';
    page.drawing.width = 'thick';
    page.drawing.fade = true;
    arrow();
    expect(page.packets[0]!.op).toMatchObject({ kind: 'shape', style: { color: '#76ff03', width: 'thick' }, fade: true });
  });

  it('the laser pointer goes out on the lossy topic while pressed, and leaves nothing on the picture', () => {
    page.drawing.tool = 'laser';
    page.drawing.pointer('down', [[0.2, 0.2]], RECT);
    page.drawing.pointer('move', [[0.3, 0.3]], RECT);
    frames.paint();
    page.drawing.pointer('up', [[0.4, 0.4]], RECT);
    page.drawing.pointer('move', [[0.5, 0.5]], RECT);
    frames.paint();
    const laser = page.packets.filter((p) => p.topic === TOPICS.laser);
    expect(laser.flatMap((p) => (p.op as { points: Point[] }).points)).toEqual([
      [0.2, 0.2],
      [0.3, 0.3],
      [0.4, 0.4],
    ]);
    expect(page.shown()).toEqual([]);
  });

  it('once the picture holds as many of the mentor’s annotations as it may, the toolbar says so and nothing more is sent', () => {
    page.drawing.tool = 'arrow';
    for (let i = 0; i < MAX_ANNOTATIONS_PER_AUTHOR; i++) drag([0.1, 0.5], [0.9, 0.5]);
    expect(page.drawing.full).toBe(false);
    const sent = page.packets.length;
    drag([0.1, 0.5], [0.9, 0.5]);
    expect(page.drawing.full).toBe(true);
    expect(page.packets).toHaveLength(sent);
    // Clearing makes room again.
    page.drawing.clear();
    drag([0.1, 0.5], [0.9, 0.5]);
    expect(page.drawing.full).toBe(false);
    expect(page.shown()).toEqual(['arrow']);
  });
});

describe('the eraser', () => {
  it('rubs out what it touches, for everyone; touching bare picture sends nothing', () => {
    arrow(0.2);
    arrow(0.8);
    page.drawing.tool = 'eraser';
    page.drawing.pointer('down', [[0.5, 0.8]], RECT);
    page.drawing.pointer('up', [[0.5, 0.8]], RECT);
    expect(page.sync.visible()).toMatchObject([{ kind: 'arrow', from: [0.1, 0.2] }]);
    expect(page.sent()).toEqual(['shape', 'shape', 'erase']);
    page.drawing.pointer('down', [[0.5, 0.5]], RECT);
    expect(page.sent()).toEqual(['shape', 'shape', 'erase']);
  });
});

describe('undo and redo', () => {
  it('undo takes back the latest drawing and redo brings it back; the buttons say when each can be used', () => {
    expect([page.drawing.canUndo, page.drawing.canRedo]).toEqual([false, false]);
    arrow(0.2);
    arrow(0.8);
    expect([page.drawing.canUndo, page.drawing.canRedo]).toEqual([true, false]);
    page.drawing.undo();
    expect(page.sync.visible()).toMatchObject([{ from: [0.1, 0.2] }]);
    expect([page.drawing.canUndo, page.drawing.canRedo]).toEqual([true, true]);
    page.drawing.redo();
    expect(page.shown()).toEqual(['arrow', 'arrow']);
    expect(page.sent()).toEqual(['shape', 'shape', 'erase', 'restore']);
    expect([page.drawing.canUndo, page.drawing.canRedo]).toEqual([true, false]);
  });

  it('undo brings back what the eraser rubbed out', () => {
    arrow();
    page.drawing.tool = 'eraser';
    page.drawing.pointer('down', [[0.5, 0.5]], RECT);
    expect(page.shown()).toEqual([]);
    page.drawing.undo();
    expect(page.shown()).toEqual(['arrow']);
  });

  it('undo of Clear all brings back everything it hid; a clear of an empty picture is not a step to undo', () => {
    page.drawing.clear();
    expect(page.drawing.canUndo).toBe(false);
    arrow(0.2);
    arrow(0.8);
    page.drawing.clear();
    expect(page.shown()).toEqual([]);
    page.drawing.undo();
    expect(page.shown()).toEqual(['arrow', 'arrow']);
  });

  it('drawing something new after an undo means the undone drawing can no longer be redone', () => {
    arrow(0.2);
    page.drawing.undo();
    arrow(0.8);
    expect(page.drawing.canRedo).toBe(false);
    page.drawing.redo();
    expect(page.sync.visible()).toMatchObject([{ from: [0.1, 0.8] }]);
  });
});

describe('with several pictures', () => {
  let on = 'theatre#main';
  let two: ReturnType<typeof mentorPage>;
  beforeEach(() => {
    on = 'theatre#main';
    two = mentorPage('mentor-2', () => on);
  });
  afterEach(() => two.dispose());
  const arrowOn = (source: string) => {
    on = source;
    two.drawing.tool = 'arrow';
    two.drawing.pointer('down', [[0.1, 0.5]], RECT);
    two.drawing.pointer('up', [[0.9, 0.5]], RECT);
  };
  const marks = () => two.sync.visible().map((a) => a.source);

  it('Clear clears the picture the mentor is on, and undo brings its marks back', () => {
    arrowOn('theatre#main');
    arrowOn('theatre#room');
    two.drawing.clear();
    expect(two.packets.at(-1)!.op).toMatchObject({ kind: 'clear', source: 'theatre#room' });
    expect(marks()).toEqual(['theatre#main']);
    two.drawing.undo();
    expect(marks()).toEqual(['theatre#main', 'theatre#room']);
  });

  it('Clear on a picture without marks is no step to undo, whatever is on the others', () => {
    arrowOn('theatre#main');
    on = 'theatre#room';
    two.drawing.clear();
    two.drawing.undo();
    // The undo took back the arrow, the last thing done: the clear hid nothing.
    expect(marks()).toEqual([]);
  });

  it('the eraser rubs out a mark on the picture it is on, not one at the same place on another', () => {
    arrowOn('theatre#main');
    arrowOn('theatre#room');
    // Back on the laparoscope, under the arrow drawn last (on the room's picture).
    on = 'theatre#main';
    two.drawing.tool = 'eraser';
    two.drawing.pointer('down', [[0.5, 0.5]], RECT);
    expect(marks()).toEqual(['theatre#room']);
  });
});
