/**
 * What a person on a small or odd-sized screen trips over: controls cut off at the edge of the
 * window, controls lying on top of each other, a page that scrolls sideways, tick boxes
 * squeezed by the text beside them. Read from the live DOM of a page, as it is laid out now.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';

const INTERACTIVE = 'a[href], button, input:not([type="hidden"]), select, textarea, [role="button"], [role="radio"], [tabindex]';

/** Problems with the page's layout now, one line each; none when it is fine. */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const SLACK = 1;
    const OVERLAP = 2;
    const problems: string[] = [];
    const root = document.documentElement;
    const width = root.clientWidth;
    const height = Math.max(window.innerHeight, root.scrollHeight);

    const describe = (el: Element) => {
      const text = (el.getAttribute('aria-label') || (el as HTMLElement).innerText || el.getAttribute('title') || el.getAttribute('placeholder') || '')
        .trim()
        .replace(/\s+/g, ' ')
        .slice(0, 40);
      const r = el.getBoundingClientRect();
      return `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}> "${text}" at ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`;
    };

    if (root.scrollWidth > root.clientWidth + SLACK) problems.push(`the page scrolls sideways: ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);

    const visible = [...document.querySelectorAll(selector)].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
    });

    /**
     * Where an element can be seen: its box, cut down by every ancestor that clips without
     * scrolling. Inside a scrolling ancestor it can be scrolled into view, so along that axis
     * only the ancestor's own box has to be reachable.
     */
    function cutOff(el: Element): string | null {
      const box = el.getBoundingClientRect();
      let { left, right, top, bottom } = box;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        const r = a.getBoundingClientRect();
        const scrolls = (o: string) => o === 'auto' || o === 'scroll';
        if (scrolls(style.overflowX)) [left, right] = [Math.max(left, r.left), Math.min(right, r.right)];
        else if (style.overflowX !== 'visible' && (left < r.left - SLACK || right > r.right + SLACK)) return 'cut off by its container';
        if (scrolls(style.overflowY)) [top, bottom] = [Math.max(top, r.top), Math.min(bottom, r.bottom)];
        else if (style.overflowY !== 'visible' && (top < r.top - SLACK || bottom > r.bottom + SLACK)) return 'cut off by its container';
      }
      if (left < -SLACK || right > width + SLACK) return 'outside the window (sideways)';
      if (top + window.scrollY < -SLACK || bottom + window.scrollY > height + SLACK) return 'outside the window (up or down)';
      return null;
    }

    for (const el of visible) {
      const why = cutOff(el);
      if (why) problems.push(`${describe(el)} is ${why}`);
      if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
        const r = el.getBoundingClientRect();
        if (r.width < r.height - SLACK) problems.push(`${describe(el)} is squeezed`);
      }
    }

    /**
     * The part of an element shown now: its box cut down by every scrolling ancestor. Two
     * elements scrolled out of sight in different panels do not lie on top of each other.
     */
    function shown(el: Element) {
      let { left, right, top, bottom } = el.getBoundingClientRect();
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        const r = a.getBoundingClientRect();
        if (style.overflowX !== 'visible') [left, right] = [Math.max(left, r.left), Math.min(right, r.right)];
        if (style.overflowY !== 'visible') [top, bottom] = [Math.max(top, r.top), Math.min(bottom, r.bottom)];
      }
      return { left, right, top, bottom };
    }

    for (let i = 0; i < visible.length; i++) {
      for (let j = i + 1; j < visible.length; j++) {
        const a = visible[i]!;
        const b = visible[j]!;
        if (a.contains(b) || b.contains(a)) continue;
        const ra = shown(a);
        const rb = shown(b);
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        if (w > OVERLAP && h > OVERLAP) problems.push(`${describe(a)} overlaps ${describe(b)}`);
      }
    }
    return problems;
  }, INTERACTIVE);
}

/** Resolves once the page has laid out and painted what it is showing now (after a resize). */
export function settled(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/** A 1080p desk monitor and a phone: the sizes the admin pages are looked at in. */
export const DESK_AND_PHONE = [
  { width: 1920, height: 1080 },
  { width: 390, height: 844 },
] as const;

/**
 * Screenshots of `page` at a desk and a phone size, as `{name}-{lang}-{width}x{height}.png` in `dir`,
 * and the layout problems found at each; the page is back at the desk size after.
 */
export async function layoutAtSizes(page: Page, dir: string, name: string, lang: string): Promise<string[]> {
  const problems: string[] = [];
  for (const size of DESK_AND_PHONE) {
    await page.setViewportSize(size);
    await settled(page);
    await page.screenshot({ path: join(dir, `${name}-${lang}-${size.width}x${size.height}.png`), fullPage: true });
    for (const p of await layoutProblems(page)) problems.push(`${name} ${lang} ${size.width}×${size.height}: ${p}`);
  }
  await page.setViewportSize(DESK_AND_PHONE[0]);
  return problems;
}

/**
 * The elements matching `selector` that cannot be seen now without scrolling something: outside
 * the window, or outside the shown part of an ancestor that scrolls or clips. One line each.
 */
export function outOfSight(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const SLACK = 1;
    return [...document.querySelectorAll(selector)].flatMap((el) => {
      const box = el.getBoundingClientRect();
      let { left, right, top, bottom } = { left: 0, right: window.innerWidth, top: 0, bottom: window.innerHeight };
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        const r = a.getBoundingClientRect();
        if (style.overflowX !== 'visible') [left, right] = [Math.max(left, r.left), Math.min(right, r.right)];
        if (style.overflowY !== 'visible') [top, bottom] = [Math.max(top, r.top), Math.min(bottom, r.bottom)];
      }
      const seen = box.width > 0 && box.left >= left - SLACK && box.right <= right + SLACK && box.top >= top - SLACK && box.bottom <= bottom + SLACK;
      const name = (el.getAttribute('aria-label') || (el as HTMLElement).innerText || '').trim().slice(0, 40);
      return seen ? [] : [`"${name}" at ${Math.round(box.left)},${Math.round(box.top)} ${Math.round(box.width)}×${Math.round(box.height)}`];
    });
  }, selector);
}
