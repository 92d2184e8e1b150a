// The agencies' procurement portal's words, in both languages (merged under 'portal' by ../index.ts).
export default {
  'zh-CN': {
    nav: '采购门户',
    enter: '进入采购门户',
    pages: { quota: '预留份额' } as Record<string, string>,
    quota: {
      title: '预留份额完成情况',
    },
  },
  en: {
    nav: 'Procurement portal',
    enter: 'Open the procurement portal',
    pages: { quota: 'Reserved share' } as Record<string, string>,
    quota: {
      title: 'Reserved share standing',
    },
  },
}
