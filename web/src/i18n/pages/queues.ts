// The queues page's words, in both languages (merged under 'queues' by ../index.ts).
export default {
  'zh-CN': {},
  en: {},
}
