// The production manifests (infra/production/) cannot be deployed here (no cluster, no docker daemon), so
// this checks that they agree with the code they configure: the environment workers read, the queues and
// flags the worker command takes, secrets only from Secrets, one workspace path, the search attributes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { DATA_ROOTS_ENV, WORKSPACE_ROOTS_ENV } from '../../activities/allowed-roots';
import { buildProgram } from '../../cli/main';
import { PAYLOAD_KEY_ENV, PAYLOAD_KEY_ID_ENV } from '../../worker/payload-codec';
import { repositoryRoot } from '../../core/io/repository-root';
import { pomonaSearchAttributes } from '../../workflows/search-attributes';

const dir = path.join(repositoryRoot(), 'infra', 'production');
const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

interface Container {
  image: string;
  args: string[];
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  resources: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: {
    template: {
      spec: { containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
    };
  };
}

const kustomization = parse(read('k8s/kustomization.yaml')) as { resources: string[] };
const documents = kustomization.resources.flatMap((file) =>
  parseAllDocuments(read(`k8s/${file}`)).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> },
  ),
);
const deployments = documents.filter((d) => d.kind === 'Deployment') as unknown as Deployment[];
const worker = (name: string) => deployments.find((d) => d.metadata.name === name)!.spec.template.spec;

/** Environment variables pomona's workers read (worker/connection-options.ts, activities/tao, the trainer's interpreter). */
const WORKER_ENV = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_API_KEY',
  'POMONA_PYTHON',
  'NGC_API_KEY',
  'POMONA_TAO_LAUNCHER',
  WORKSPACE_ROOTS_ENV,
  DATA_ROOTS_ENV,
  PAYLOAD_KEY_ENV,
  PAYLOAD_KEY_ID_ENV,
  // Read by Node itself: the CPU worker's heap limit (docs/operations.md).
  'NODE_OPTIONS',
];

test('every file the kustomization lists exists and holds the two worker Deployments', () => {
  expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['pomona-cpu-worker', 'pomona-gpu-worker']);
});

test('workers get only variables pomona reads, secrets only from Secrets', () => {
  for (const config of documents.filter((d) => d.kind === 'ConfigMap'))
    for (const name of Object.keys(config.data ?? {})) expect(WORKER_ENV).toContain(name);
  for (const d of deployments) {
    for (const c of d.spec.template.spec.containers) {
      for (const ref of c.envFrom ?? [])
        expect(documents.some((doc) => doc.kind === 'ConfigMap' && doc.metadata.name === ref.configMapRef?.name)).toBe(
          true,
        );
      for (const e of c.env ?? []) {
        expect(WORKER_ENV).toContain(e.name);
        if (/KEY|TOKEN/.test(e.name)) {
          expect(e.value).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef).toBeDefined();
        }
      }
    }
  }
});

test("the workers' arguments are ones `pomona worker` accepts; one task per GPU", () => {
  const command = buildProgram().commands.find((c) => c.name() === 'worker')!;
  const flags = command.options.map((o) => o.long);
  for (const d of deployments) {
    const { args } = d.spec.template.spec.containers[0];
    for (const a of args.filter((x) => x.startsWith('--'))) expect(flags).toContain(a);
  }
  expect(worker('pomona-cpu-worker').containers[0].args).toEqual(['--queues', 'cpu']);
  const gpu = worker('pomona-gpu-worker').containers[0];
  const concurrency = gpu.args[gpu.args.indexOf('--gpu-concurrency') + 1];
  expect(gpu.args.slice(0, 2)).toEqual(['--queues', 'gpu']);
  expect(Number(concurrency)).toBe(gpu.resources.limits?.['nvidia.com/gpu']);
});

test("the CPU worker's heap limit stays under its memory request", () => {
  const c = worker('pomona-cpu-worker').containers[0];
  const options = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
  const heapMb = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
  expect(heapMb).toBeGreaterThan(0);
  const request = String(c.resources.requests?.memory);
  expect(request).toMatch(/^\d+Gi$/);
  expect(heapMb).toBeLessThan(parseInt(request, 10) * 1024);
});

test('both queues see the workspace at the same path, from the same claim', () => {
  const mounts = deployments.map((d) => {
    const spec = d.spec.template.spec;
    const mount = spec.containers[0].volumeMounts.find((m) => m.name === 'workspace')!;
    return [mount.mountPath, spec.volumes.find((v) => v.name === 'workspace')?.persistentVolumeClaim?.claimName];
  });
  expect(mounts[0]).toEqual(mounts[1]);
  expect(documents.some((d) => d.kind === 'PersistentVolumeClaim' && d.metadata.name === mounts[0][1])).toBe(true);
});

test('both queues are confined to folders on the shared volume (allowed roots)', () => {
  const roots = documents.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'pomona-allowed-roots')!.data!;
  for (const d of deployments) {
    const c = d.spec.template.spec.containers[0];
    expect(c.envFrom?.map((r) => r.configMapRef?.name)).toContain('pomona-allowed-roots');
    const volume = c.volumeMounts.find((m) => m.name === 'workspace')!.mountPath;
    for (const kind of [WORKSPACE_ROOTS_ENV, DATA_ROOTS_ENV])
      for (const root of roots[kind].split(':')) expect(root.startsWith(`${volume}/`)).toBe(true);
  }
});

test("the search attributes script and the dev server script register exactly the workflow's attributes", () => {
  const expected = Object.entries(pomonaSearchAttributes)
    .map(([name, type]) => `${name}=${type}`)
    .sort();
  const registered = read('register-search-attributes.sh').match(/Pomona\w+=\w+/g) ?? [];
  expect([...registered].sort()).toEqual(expected);
  const dev = fs.readFileSync(path.join(repositoryRoot(), 'infra', 'temporal-dev-server.sh'), 'utf8');
  for (const name of Object.keys(pomonaSearchAttributes)) expect(dev).toContain(name);
});

test("Temporal's values keep closed loops long enough for reports and use SQL visibility", () => {
  const values = parse(read('temporal-values.yaml')) as {
    server: {
      config: {
        persistence: {
          datastores: Record<string, { sql: { pluginName: string; existingSecret?: string; password?: string } }>;
        };
        namespaces: { namespace: { name: string; retention: string }[] };
      };
    };
  };
  for (const store of Object.values(values.server.config.persistence.datastores)) {
    expect(store.sql.pluginName).toMatch(/^postgres12/);
    expect(store.sql.password).toBeUndefined();
    expect(store.sql.existingSecret).toBeDefined();
  }
  const retention = values.server.config.namespaces.namespace[0].retention;
  expect(parseInt(retention, 10)).toBeGreaterThanOrEqual(7);
  const connection = documents.find((d) => d.kind === 'ConfigMap')!.data!;
  expect(values.server.config.namespaces.namespace.map((n) => n.name)).toContain(connection.TEMPORAL_NAMESPACE);
});
