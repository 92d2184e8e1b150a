import { describe, expect, it } from 'vitest'
import { subjectOf } from './alertSubject'

describe('subjectOf', () => {
  it('opens the target, product, certificate or purchase order an alert is about', () => {
    expect(subjectOf({ subject_type: 'targets', subject_id: 7, details: null })).toEqual({ type: 'targets', id: 7 })
    expect(subjectOf({ subject_type: 'products', subject_id: 21, details: { stock: 5 } })).toEqual({
      type: 'products',
      id: 21,
    })
    expect(subjectOf({ subject_type: 'purchase_orders', subject_id: 4, details: null })).toEqual({
      type: 'purchase_orders',
      id: 4,
    })
  })

  it('opens the web order of a stuck payment or refund', () => {
    expect(subjectOf({ subject_type: 'payments', subject_id: 3, details: { order_id: 12 } })).toEqual({
      type: 'orders',
      id: 12,
    })
    expect(subjectOf({ subject_type: 'refunds', subject_id: 3, details: { order_id: 15 } })).toEqual({
      type: 'orders',
      id: 15,
    })
  })

  it('has nothing to open for a provider event, or a payment raised without its order', () => {
    expect(subjectOf({ subject_type: 'webhook_events', subject_id: 9, details: { event_id: 'evt_1' } })).toBeNull()
    expect(subjectOf({ subject_type: 'payments', subject_id: 3, details: null })).toBeNull()
  })
})
