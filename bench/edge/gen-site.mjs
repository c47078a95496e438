// Writes a deterministic "built React site" (what `vite build` emits for a small app)
// into <outdir>: index.html (~470 B), assets/index-<hash>.js (~150 KB of minified-looking
// JavaScript), assets/index-<hash>.css and vite.svg. The same input always gives the same
// bytes, so runs on different days serve identical files.
//   node bench/edge/gen-site.mjs <outdir>     prints the site's paths, one a line
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: gen-site.mjs <outdir>');
  process.exit(2);
}

// Small deterministic PRNG (mulberry32) so the bundle is the same on every machine.
let seed = 0x5eed1234;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(rand() * list.length)];
const ident = () => {
  const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$';
  const rest = first + '0123456789';
  let name = pick(first);
  const length = 1 + Math.floor(rand() * 2.2);
  for (let i = 1; i < length; i++) name += pick(rest);
  return name;
};
const words = ['children', 'props', 'state', 'ref', 'key', 'type', 'value', 'current', 'memoizedState',
  'updateQueue', 'return', 'sibling', 'child', 'flags', 'lanes', 'pendingProps', 'stateNode', 'tag',
  'onClick', 'className', 'style', 'dispatch', 'useEffect', 'useState', 'useMemo', 'createElement',
  'Fragment', 'displayName', 'defaultProps', 'contextType', 'render', 'length', 'prototype', 'call'];
const strings = ['"div"', '"span"', '"button"', '"react.element"', '"Minified React error #"',
  '"use strict"', '"function"', '"object"', '"undefined"', '"string"', '"number"', '"click"', '"input"',
  '"http://www.w3.org/2000/svg"', '"aria-label"', '"data-reactroot"', '"Count is "'];
const expression = (depth = 0) => {
  const r = rand();
  if (depth > 2 || r < 0.25) return pick([ident(), ident() + '.' + pick(words), pick(strings), String(Math.floor(rand() * 4096)), '!0', '!1', 'null']);
  if (r < 0.45) return `${expression(depth + 1)}${pick(['===', '!==', '&&', '||', '+', '|', '&', '<', '>='])}${expression(depth + 1)}`;
  if (r < 0.65) return `${ident()}(${Array.from({ length: Math.floor(rand() * 3) }, () => expression(depth + 1)).join(',')})`;
  if (r < 0.8) return `${expression(depth + 1)}?${expression(depth + 1)}:${expression(depth + 1)}`;
  if (r < 0.9) return `{${pick(words)}:${expression(depth + 1)},${pick(words)}:${expression(depth + 1)}}`;
  return `${ident()}[${expression(depth + 1)}]`;
};
const statement = () => {
  const r = rand();
  if (r < 0.3) return `var ${ident()}=${expression()};`;
  if (r < 0.5) return `if(${expression()})${ident()}.${pick(words)}=${expression()};`;
  if (r < 0.65) return `for(var ${ident()}=0;${ident()}<${ident()}.length;${ident()}++)${ident()}(${expression()});`;
  if (r < 0.8) return `return ${expression()};`;
  return `${ident()}.${pick(words)}=${expression()};`;
};
const fn = () => {
  let body = '';
  const count = 2 + Math.floor(rand() * 8);
  for (let i = 0; i < count; i++) body += statement();
  return `function ${ident()}(${Array.from({ length: Math.floor(rand() * 4) }, ident).join(',')}){${body}}`;
};

const TARGET_JS = 150 * 1024;
let js = '(function(){const t=document.createElement("link").relList;if(t&&t.supports&&t.supports("modulepreload"))return;})();\n';
while (js.length < TARGET_JS - 200) js += fn();
js = js.slice(0, TARGET_JS - 64);
js = js.replace(/[^;}]*$/, ''); // end on a statement boundary
js += '\nexport{' + ident() + ' as default};\n';

const css = `:root{font-family:Inter,system-ui,Avenir,Helvetica,Arial,sans-serif;line-height:1.5;font-weight:400;color-scheme:light dark;color:#ffffffde;background-color:#242424;font-synthesis:none;text-rendering:optimizeLegibility;-webkit-font-smoothing:antialiased;-moz-osx-font-smoothing:grayscale}a{font-weight:500;color:#646cff;text-decoration:inherit}a:hover{color:#535bf2}body{margin:0;display:flex;place-items:center;min-width:320px;min-height:100vh}h1{font-size:3.2em;line-height:1.1}button{border-radius:8px;border:1px solid transparent;padding:.6em 1.2em;font-size:1em;font-weight:500;font-family:inherit;background-color:#1a1a1a;cursor:pointer;transition:border-color .25s}button:hover{border-color:#646cff}button:focus,button:focus-visible{outline:4px auto -webkit-focus-ring-color}#root{max-width:1280px;margin:0 auto;padding:2rem;text-align:center}.logo{height:6em;padding:1.5em;will-change:filter;transition:filter .3s}.logo:hover{filter:drop-shadow(0 0 2em #646cffaa)}.card{padding:2em}.read-the-docs{color:#888}\n`;

const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" aria-hidden="true" role="img" class="iconify iconify--logos" width="31.88" height="32" preserveAspectRatio="xMidYMid meet" viewBox="0 0 256 257"><defs><linearGradient id="IconifyId1813088fe1fbc01fb466" x1="-.828%" x2="57.636%" y1="7.652%" y2="78.411%"><stop offset="0%" stop-color="#41D1FF"></stop><stop offset="100%" stop-color="#BD34FE"></stop></linearGradient><linearGradient id="IconifyId1813088fe1fbc01fb467" x1="43.376%" x2="50.316%" y1="2.242%" y2="89.03%"><stop offset="0%" stop-color="#FFEA83"></stop><stop offset="8.333%" stop-color="#FFDD35"></stop><stop offset="100%" stop-color="#FFA800"></stop></linearGradient></defs><path fill="url(#IconifyId1813088fe1fbc01fb466)" d="M255.153 37.938L134.897 252.976c-2.483 4.44-8.862 4.466-11.382.048L.875 37.958c-2.746-4.814 1.371-10.646 6.827-9.67l120.385 21.517a6.537 6.537 0 0 0 2.322-.004l117.867-21.483c5.438-.991 9.574 4.796 6.877 9.62Z"></path><path fill="url(#IconifyId1813088fe1fbc01fb467)" d="M185.432.063L96.44 17.501a3.268 3.268 0 0 0-2.634 3.014l-5.474 92.456a3.268 3.268 0 0 0 3.997 3.378l24.777-5.718c2.318-.535 4.413 1.507 3.936 3.838l-7.361 36.047c-.495 2.426 1.782 4.5 4.151 3.78l15.304-4.649c2.372-.72 4.652 1.36 4.15 3.788l-11.698 56.621c-.732 3.542 3.979 5.473 5.943 2.437l1.313-2.028l72.516-144.72c1.215-2.423-.88-5.186-3.54-4.672l-25.505 4.922c-2.396.462-4.435-1.77-3.759-4.114l16.646-57.705c.677-2.35-1.37-4.583-3.769-4.113Z"></path></svg>\n`;

// Vite names a chunk after 8 characters of a content hash (base64url alphabet).
const hashName = (base, ext, content) => {
  const digest = createHash('sha256').update(content).digest('base64url');
  return `assets/${base}-${digest.slice(0, 8)}.${ext}`;
};
const jsPath = hashName('index', 'js', js);
const cssPath = hashName('index', 'css', css);

const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/vite.svg" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Vite + React</title>
    <script type="module" crossorigin src="/${jsPath}"></script>
    <link rel="stylesheet" crossorigin href="/${cssPath}">
  </head>
  <body>
    <div id="root"></div>
  </body>
</html>
`;

mkdirSync(join(out, 'assets'), { recursive: true });
const files = { 'index.html': html, [jsPath]: js, [cssPath]: css, 'vite.svg': svg };
for (const [path, content] of Object.entries(files)) writeFileSync(join(out, path), content);
console.log(Object.keys(files).join('\n'));
