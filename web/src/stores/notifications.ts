// How many of the signed-in user's notifications are unread: the bell shows it, the inbox page
// refreshes it after marking some read.
import { defineStore } from 'pinia'
import { api } from '../api/client'
import { useSession } from './session'

export const useNotifications = defineStore('notifications', {
  state: () => ({ unread: 0 }),
  actions: {
    async refresh(): Promise<void> {
      if (!useSession().signedIn) {
        this.unread = 0
        return
      }
      try {
        this.unread = (await api<{ unread: number }>('/me/notifications/unread-count')).unread
      } catch {
        // The bell keeps its last figure; the next refresh tries again.
      }
    },
  },
})
