/** dciodvfy (Debian's dicom3tools), the DICOM standard's checker, on one Part 10 file. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const DCIODVFY = '/usr/bin/dciodvfy';
const run = promisify(execFile);

/**
 * What dciodvfy says about `file`: the IOD it checked against (null if it recognised none), and
 * its error lines (an abort, a file it cannot read, counts as one) and warning lines.
 */
export async function checkDicom(file: Uint8Array): Promise<{ iod: string | null; errors: string[]; warnings: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-dciodvfy-'));
  try {
    const path = join(dir, 'instance.dcm');
    await writeFile(path, file);
    // dciodvfy exits non-zero when it finds errors; its findings are what matters.
    const { stdout, stderr } = await run(DCIODVFY, [path]).catch((err: { stdout: string; stderr: string }) => err);
    const lines = `${stdout}\n${stderr}`.split('\n');
    return {
      iod: lines.find((l) => /^[A-Za-z]+$/.test(l)) ?? null,
      errors: lines.filter((l) => /^(Error|Abort)/.test(l)),
      warnings: lines.filter((l) => /^Warning/.test(l)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
