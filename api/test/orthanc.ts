/**
 * A real Orthanc (Debian's `orthanc` with the `orthanc-dicomweb` plugin) as the site's PACS:
 * HTTP on a free loopback port, the DICOM port off, storage in a temporary folder that outlives
 * a kill, so a test can take the PACS down and bring it back with what it had stored.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { START_DEADLINE_MS, freePort, spawnService, waitForHttp, type Service } from '@loupe/stack';

export const ORTHANC_BIN = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export type Orthanc = {
  /** Orthanc's own REST api, e.g. `${url}/instances`. */
  url: string;
  /** The DICOMweb base a site's `dicomweb_url` names. */
  dicomweb: string;
  service: Service;
  /** SIGKILL: the PACS is gone mid-exam. */
  kill(): Promise<void>;
  /** Starts again on the same port and storage. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The SOP Instance UIDs Orthanc holds, one per stored instance. */
  instanceUids(): Promise<string[]>;
};

export async function startOrthanc(): Promise<Orthanc> {
  const dir = await mkdtemp(join(tmpdir(), 'loupe-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'loupe-test-pacs',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    HttpPort: port,
    // Loopback only, no accounts: the test is the only client.
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
  };
  const configPath = join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const url = `http://127.0.0.1:${port}`;

  const launch = async () => {
    const service = spawnService('orthanc', ORTHANC_BIN, [configPath]);
    try {
      await waitForHttp(`${url}/system`, START_DEADLINE_MS);
    } catch (err) {
      await service.stop();
      throw new Error(`Orthanc did not start: ${String(err)}\n${service.output()}`, { cause: err });
    }
    return service;
  };

  const handle: Orthanc = {
    url,
    dicomweb: `${url}/dicom-web`,
    service: await launch(),
    kill: () => handle.service.kill(),
    async start() {
      handle.service = await launch();
    },
    async stop() {
      await handle.service.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async instanceUids() {
      const res = await fetch(`${url}/tools/find`, { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: {}, Expand: true }) });
      if (!res.ok) throw new Error(`Orthanc /tools/find: ${res.status} ${await res.text()}`);
      const found = (await res.json()) as { MainDicomTags: { SOPInstanceUID: string } }[];
      return found.map((i) => i.MainDicomTags.SOPInstanceUID);
    },
  };
  return handle;
}
