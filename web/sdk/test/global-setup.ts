// Builds the parley binary once for every test file (go build from the repo
// root into a temporary directory); each file starts its own servers from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-websdk-bin-'));
  const bin = join(dir, 'parley');
  const root = resolve(__dirname, '../../..');
  execFileSync('go', ['build', '-o', bin, './cmd/parley'], { cwd: root, stdio: 'inherit' });
  project.provide('parleyBinary', bin);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    parleyBinary: string;
  }
}
