// What "查看" opens for an alert: the object it is about, as the API names it. A stuck payment or
// refund opens its web order (the alert's details carry the order's id); a provider event has
// nothing of ours to open.
import type { Alert } from '../../api/types'

export type SubjectType = 'targets' | 'products' | 'certifications' | 'purchase_orders' | 'orders'
export interface Subject {
  type: SubjectType
  id: number
}

const OWN: readonly string[] = ['targets', 'products', 'certifications', 'purchase_orders']

export function subjectOf(alert: Pick<Alert, 'subject_type' | 'subject_id' | 'details'>): Subject | null {
  if (OWN.includes(alert.subject_type)) return { type: alert.subject_type as SubjectType, id: alert.subject_id }
  const orderId = alert.details?.order_id
  if ((alert.subject_type === 'payments' || alert.subject_type === 'refunds') && typeof orderId === 'number') {
    return { type: 'orders', id: orderId }
  }
  return null
}
