import { createI18n } from 'vue-i18n'
import type { Locale } from '../format'
import en from './en'
import zhCN from './zh-CN'

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
  messages: { 'zh-CN': zhCN, en },
})

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  sessionStorage.setItem(STORED, locale)
  document.documentElement.lang = locale
}
