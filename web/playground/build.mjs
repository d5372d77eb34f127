// Builds the playground bundle into server/playground/assets, which the Go
// package embeds: playground.js and playground.css, fixed names (gqlbff
// puts their content hash in the URLs it serves them under).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const outdir = fileURLToPath(new URL('../../server/playground/assets/', import.meta.url));

await build({
  entryPoints: { playground: fileURLToPath(new URL('src/main.js', import.meta.url)) },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  define: { 'process.env.NODE_ENV': '"production"' },
  // Fonts stay data: URLs inside the CSS: one file, no extra request.
  loader: { '.woff2': 'dataurl', '.woff': 'dataurl' },
  legalComments: 'eof',
  logLevel: 'info',
});
