// The tallies page's words, in both languages (merged under 'tallies' by ../index.ts).
export default {
  'zh-CN': {},
  en: {},
}
