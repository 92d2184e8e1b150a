// The suppliers' workbench's words, in both languages (merged under 'workbench' by ../index.ts).
export default {
  'zh-CN': {
    nav: '工作台',
    title: '供应商工作台',
    menu: '工作台导航',
    products: '我的商品',
    productsIntro: '本合作社的商品：价格、库存、上架状态与帮扶产品认定进度。',
  },
  en: {
    nav: 'Workbench',
    title: 'Supplier workbench',
    menu: 'Workbench menu',
    products: 'My products',
    productsIntro: 'Your cooperative’s products: price, stock, listing status and certification.',
  },
}
