// Who is signed in. The token lives in memory and in sessionStorage (this tab only, gone when it
// closes; never localStorage), with the moment it expires, after which the app signs out by itself.
import { defineStore } from 'pinia'
import { api } from '../api/client'
import type { Me, Token } from '../api/types'
import type { Locale } from '../format'
import { LOCALES, setLocale } from '../i18n'

const STORED = 'marketplace.session'
export const DASHBOARD_ROLES = ['admin', 'region_officer']

interface Stored {
  token: string
  expiresAt: number
}

function load(): Stored | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORED) ?? 'null') as Stored | null
    return stored && stored.expiresAt > Date.now() ? stored : null
  } catch {
    return null
  }
}

let timer: ReturnType<typeof setTimeout> | undefined

export const useSession = defineStore('session', {
  state: () => {
    const stored = load()
    return {
      token: stored?.token ?? null as string | null,
      expiresAt: stored?.expiresAt ?? 0,
      me: null as Me | null,
      // Why the user is on the sign-in page: 'expired' or 'signedOut'.
      notice: null as null | 'expired' | 'signedOut',
    }
  },
  getters: {
    signedIn: (state) => state.token !== null,
    roles: (state): string[] => state.me?.roles ?? [],
    mayUseDashboard(): boolean {
      return this.roles.some((role) => DASHBOARD_ROLES.includes(role))
    },
    // The suppliers (cooperatives) the user works for, whose products the workbench manages.
    supplierIds: (state): number[] =>
      (state.me?.memberships ?? []).filter((m) => m.kind === 'supplier').map((m) => m.supplier_id),
    isSupplierMember(): boolean {
      return this.supplierIds.length > 0
    },
    // The agencies the user works for, each with their role there (purchaser, approver, ...).
    agencyMemberships: (state) => (state.me?.memberships ?? []).filter((m) => m.kind === 'agency'),
    isAgencyMember(): boolean {
      return this.agencyMemberships.length > 0
    },
    // Who opens a page of the portal: its agencies' members; suppliers their orders to supply; a
    // purchase order those and admins (the API decides which orders each of them reads).
    mayOpenPortal() {
      return (page: true | 'order' | 'supplier'): boolean => {
        if (page === 'supplier') return this.isSupplierMember
        if (page === 'order') return this.isAgencyMember || this.isSupplierMember || this.roles.includes('admin')
        return this.isAgencyMember
      }
    },
  },
  actions: {
    async signIn(email: string, password: string): Promise<void> {
      const token = await api<Token>('/auth/token', {
        method: 'POST',
        body: { email, password },
        signedIn: false,
      })
      this.keep(token.access_token, Date.now() + token.expires_in * 1000)
      this.notice = null
      await this.loadMe()
    },
    keep(token: string, expiresAt: number): void {
      this.token = token
      this.expiresAt = expiresAt
      sessionStorage.setItem(STORED, JSON.stringify({ token, expiresAt }))
      this.watchExpiry()
    },
    watchExpiry(): void {
      clearTimeout(timer)
      if (this.token) timer = setTimeout(() => this.expire(), Math.max(this.expiresAt - Date.now(), 0))
    },
    async loadMe(): Promise<Me | null> {
      if (!this.token) return null
      if (!this.me) {
        this.me = await api<Me>('/me')
        const saved = this.me.user.locale as Locale | null
        if (saved && LOCALES.includes(saved)) setLocale(saved)
      }
      return this.me
    },
    async chooseLocale(locale: Locale): Promise<void> {
      setLocale(locale)
      if (this.token) this.me = await api<Me>('/me', { method: 'PATCH', body: { locale } })
    },
    forget(notice: 'expired' | 'signedOut'): void {
      clearTimeout(timer)
      this.token = null
      this.expiresAt = 0
      this.me = null
      this.notice = notice
      sessionStorage.removeItem(STORED)
    },
    expire(): void {
      this.forget('expired')
    },
    signOut(): void {
      this.forget('signedOut')
    },
  },
})
