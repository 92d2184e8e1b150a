// The ledger page's words, in both languages (merged under 'ledger' by ../index.ts).
export default {
  'zh-CN': {},
  en: {},
}
