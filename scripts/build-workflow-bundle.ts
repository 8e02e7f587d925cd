// Pre-builds the workflow bundle (dist/workflow-bundle.js) so workers start without bundling.
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { repositoryRoot } from '../core/io/repository-root';

async function main(): Promise<void> {
  const root = repositoryRoot();
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(root, 'workflows', 'index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  const out = path.join(root, 'dist', 'workflow-bundle.js');
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(`${out}.tmp`, code);
  await fs.rename(`${out}.tmp`, out);
  console.error(`[build] workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
