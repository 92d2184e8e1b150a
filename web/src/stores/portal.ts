// The agency the portal works on: one of the units the user is a member of, named as the API names
// them. A lead unit (one with no unit above it among them) is chosen first, since its standing rolls
// up the others'.
import { defineStore } from 'pinia'
import { api } from '../api/client'
import type { Agency } from '../api/types'
import { useSession } from './session'

const STORED = 'marketplace.portal.agency'

export const usePortal = defineStore('portal', {
  state: () => ({
    agencies: [] as Agency[],
    agencyId: null as number | null,
  }),
  getters: {
    agency(state): Agency | null {
      return state.agencies.find((a) => a.id === state.agencyId) ?? null
    },
    // The user's roles at the chosen agency: purchaser, approver.
    roles(state): string[] {
      const session = useSession()
      return session.agencyMemberships.filter((m) => m.agency_id === state.agencyId).map((m) => m.role)
    },
  },
  actions: {
    async load(): Promise<void> {
      const session = useSession()
      const ids = [...new Set(session.agencyMemberships.map((m) => m.agency_id))]
      // Loaded already for these memberships (another user in this tab has others).
      if (ids.length === this.agencies.length && ids.every((id) => this.agencies.some((a) => a.id === id))) return
      this.agencies = await Promise.all(ids.map((id) => api<Agency>(`/agencies/${id}`)))
      const stored = Number(sessionStorage.getItem(STORED))
      const lead = this.agencies.find((a) => !this.agencies.some((other) => other.id === a.parent_id))
      this.agencyId = ids.includes(stored) ? stored : (lead ?? this.agencies[0])?.id ?? null
    },
    choose(agencyId: number): void {
      this.agencyId = agencyId
      sessionStorage.setItem(STORED, String(agencyId))
    },
  },
})
