// Builds the ES module (dist/index.js) and a minified single-file bundle
// (dist/parley-chat.min.js, an ES module too, for a <script type="module">
// or a copy into an app). Declarations come from tsc (npm run build).
import { build } from 'esbuild';

const common = { entryPoints: ['src/index.ts'], bundle: true, format: 'esm', target: 'es2020', platform: 'neutral', logLevel: 'warning' };
await build({ ...common, outfile: 'dist/index.js', sourcemap: true });
await build({ ...common, outfile: 'dist/parley-chat.min.js', minify: true });
