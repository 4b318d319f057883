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
  // On PostgreSQL (PARLEY_E2E_STORE=postgres, PARLEY_E2E_POSTGRES_DSN an admin DSN, as the Go process tests take):
  // a fresh database for this run, made and dropped with psql, shared by every server of the run.
  let dropDatabase = () => {};
  project.provide('postgresDSN', '');
  if (process.env.PARLEY_E2E_STORE === 'postgres') {
    const admin = process.env.PARLEY_E2E_POSTGRES_DSN;
    if (!admin) throw new Error('PARLEY_E2E_STORE=postgres needs PARLEY_E2E_POSTGRES_DSN');
    const name = `parley_websdk_${process.pid}_${Date.now()}`;
    execFileSync('psql', [admin, '-qAtc', `CREATE DATABASE ${name}`], { stdio: 'inherit' });
    const url = new URL(admin);
    url.pathname = '/' + name;
    project.provide('postgresDSN', url.toString());
    dropDatabase = () => execFileSync('psql', [admin, '-qAtc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'inherit' });
  }
  return () => {
    rmSync(dir, { recursive: true, force: true });
    dropDatabase();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    parleyBinary: string;
    /** The run's fresh PostgreSQL database, or '' on SQLite. */
    postgresDSN: string;
  }
}
