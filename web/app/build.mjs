// Builds the web app into internal/webapp/bundle, which the Go binary embeds
// (go:embed) and serves at /app: index.html and content-hashed assets
// (app-<hash>.js, style-<hash>.css) and the icon. The output is a pure function of the
// sources and esbuild's pinned version, so CI can rebuild and compare.
//
//   node build.mjs           write the bundle
//   node build.mjs --check   build into a temporary directory and fail when it
//                            differs from the committed bundle
import { build } from 'esbuild';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const committed = path.resolve(here, '../../internal/webapp/bundle');
const check = process.argv.includes('--check');

async function buildInto(out) {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const result = await build({
    absWorkingDir: here,
    entryPoints: { app: 'src/main.ts', style: 'src/style.css' },
    entryNames: '[name]-[hash]',
    outdir: out,
    bundle: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    metafile: true,
    logLevel: 'warning',
  });
  const names = Object.keys(result.metafile.outputs).map((p) => path.basename(p));
  const js = names.find((n) => n.endsWith('.js'));
  const css = names.find((n) => n.endsWith('.css'));
  if (!js || !css) throw new Error(`build: expected one .js and one .css, got ${names.join(', ')}`);
  const html = (await readFile(path.join(here, 'src/index.html'), 'utf8')).replace('%JS%', js).replace('%CSS%', css);
  await writeFile(path.join(out, 'index.html'), html);
  await writeFile(path.join(out, 'icon.svg'), await readFile(path.join(here, 'src/icon.svg')));
  return names.concat('index.html', 'icon.svg').sort();
}

if (!check) {
  const files = await buildInto(committed);
  console.log(`web/app: built ${files.join(', ')} into ${path.relative(process.cwd(), committed) || committed}`);
} else {
  const tmp = await mkdtemp(path.join(tmpdir(), 'parley-webapp-'));
  try {
    const fresh = await buildInto(tmp);
    const have = (await readdir(committed)).sort();
    const problems = [];
    for (const n of new Set([...fresh, ...have])) {
      if (!fresh.includes(n)) problems.push(`${n}: committed but not built from the sources`);
      else if (!have.includes(n)) problems.push(`${n}: built from the sources but not committed`);
      else if (!(await readFile(path.join(tmp, n))).equals(await readFile(path.join(committed, n)))) problems.push(`${n}: differs`);
    }
    if (problems.length) {
      console.error('web/app: the committed bundle (internal/webapp/bundle) is not the build of web/app/src:');
      for (const p of problems) console.error('  ' + p);
      console.error('rebuild it with: (cd web/app && npm ci && npm run build) and commit internal/webapp/bundle');
      process.exit(1);
    }
    console.log(`web/app: the committed bundle matches a fresh build (${fresh.join(', ')})`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
