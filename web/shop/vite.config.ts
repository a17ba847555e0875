/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API paths to a running shop (SHOP_URL, default
// the shop's own default port).
const target = process.env.SHOP_URL ?? 'http://127.0.0.1:8000';
const proxy = Object.fromEntries(['/api/', '/account/', '/payments/', '/images/'].map((p) => [p, { target, changeOrigin: false }]));

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  build: { outDir: 'dist', sourcemap: false },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
});
