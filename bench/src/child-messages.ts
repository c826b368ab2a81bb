/**
 * A child process's IPC messages, read in order by the type expected next: the bench's and the
 * load test's participant processes report `connected`, `ready`, `done` and so on, or `error`.
 */
import type { ChildProcess } from 'node:child_process';
import { on } from 'node:events';

type Message = { type: string; message?: string };

export type NextMessage<M extends Message> = <T extends M['type']>(type: T) => Promise<Extract<M, { type: T }>>;

/**
 * `next(type)` resolves with the child's next message, which must be of that type; an `error`
 * message, another type or the child's exit rejects (with `output()` appended, when given).
 */
export function childMessages<M extends Message>(child: ChildProcess, name: string, output: () => string = () => ''): NextMessage<M> {
  const messages = on(child, 'message', { close: ['exit'] });
  return async (type) => {
    const { value, done } = await messages.next();
    const m = (done ? undefined : (value as unknown[])[0]) as M | undefined;
    if (m?.type === 'error') throw new Error(`${name}: ${m.message}`);
    if (m?.type !== type) throw new Error(`${name}: expected ${type}, got ${m?.type ?? 'exit'}\n${output()}`.trimEnd());
    return m as Extract<M, { type: typeof type }>;
  };
}
