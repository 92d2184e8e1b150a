import { createI18n } from 'vue-i18n'
import type { Locale } from '../format'
import en from './en'
import addresses from './pages/addresses'
import alerts from './pages/alerts'
import fulfilment from './pages/fulfilment'
import cart from './pages/cart'
import ledger from './pages/ledger'
import notifications from './pages/notifications'
import orders from './pages/orders'
import portal from './pages/portal'
import purchasing from './pages/purchasing'
import queues from './pages/queues'
import shop from './pages/shop'
import tallies from './pages/tallies'
import workbench from './pages/workbench'
import zhCN from './zh-CN'

// Each area keeps its words in a file of its own, both languages side by side.
const pages = {
  tallies,
  queues,
  alerts,
  ledger,
  shop,
  workbench,
  fulfilment,
  orders,
  notifications,
  cart,
  addresses,
  portal,
  purchasing,
}
function withPages<T extends object>(locale: Locale, base: T): T {
  return { ...base, ...Object.fromEntries(Object.entries(pages).map(([name, words]) => [name, words[locale]])) }
}

export const LOCALES: Locale[] = ['zh-CN', 'en']
const STORED = 'marketplace.locale'

function initial(): Locale {
  const saved = sessionStorage.getItem(STORED)
  return saved === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': withPages('zh-CN', zhCN), en: withPages('en', en) },
})

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  sessionStorage.setItem(STORED, locale)
  document.documentElement.lang = locale
}
