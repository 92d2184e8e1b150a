import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

// Built into web/dist, which Flask serves at / (marketplace/web.py). `npm run dev` serves the sources
// with hot reload and sends /api to the Flask app on its usual port.
export default defineConfig({
  plugins: [vue()],
  define: {
    // vue-i18n compiles messages without eval (the page's CSP allows no 'unsafe-eval').
    __INTLIFY_JIT_COMPILATION__: true,
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // The polyfill would be an inline script, which the CSP refuses; every current browser has it.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:5000' },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
})
