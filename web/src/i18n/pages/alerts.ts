// The alerts page's words, in both languages (merged under 'alerts' by ../index.ts).
export default {
  'zh-CN': {},
  en: {},
}
