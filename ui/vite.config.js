import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The binary serves the built files at / on the API host (see cmake/embed_ui.cmake).
// `npm run dev` proxies the API to a `reactor serve` on port 3000.
const api = process.env.REACTOR_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/deploy': api,
      '/deployments': api,
      '/healthz': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
