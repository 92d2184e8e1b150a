import { describe, expect, it } from 'vitest'
import type { OrderLine } from '../../api/types'
import { apiPath, askedLines, mayCancel, normaliseTaxId, refundable, timeline, validTaxId } from './orderView'

const order = {
  status: 'paid',
  created_at: '2026-12-01T02:00:00Z',
  paid_at: '2026-12-01T02:05:00Z',
  lines: [
    { id: 11, fulfilment_id: 1 },
    { id: 12, fulfilment_id: 2 },
  ],
}
const pending = { id: 1, status: 'pending', carrier: null, tracking_no: null, shipped_at: null, delivered_at: null }
const shipped = { ...pending, status: 'shipped', carrier: '顺丰速运', tracking_no: 'SF1234567890', shipped_at: '2026-12-02T01:00:00Z' }

describe('timeline', () => {
  it('shows a paid part with the steps still to come', () => {
    expect(timeline(order, pending, []).map((step) => [step.key, step.at])).toEqual([
      ['placed', '2026-12-01T02:00:00Z'],
      ['paid', '2026-12-01T02:05:00Z'],
      ['shipped', null],
      ['delivered', null],
    ])
  })

  it('gives the carrier and tracking number of a shipped part', () => {
    const step = timeline(order, shipped, []).find((s) => s.key === 'shipped')
    expect(step).toEqual({ key: 'shipped', at: '2026-12-02T01:00:00Z', carrier: '顺丰速运', trackingNo: 'SF1234567890' })
  })

  it('shows a refund of its own lines, once paid back, with the amount the API recorded', () => {
    const history = [
      { action: 'refund_requested', at: '2026-12-03T01:00:00Z', details: { refund_id: 5, lines: { '11': 1 } } },
      { action: 'refund_requested', at: '2026-12-03T01:00:00Z', details: { refund_id: 6, lines: { '12': 1 } } },
      { action: 'refund_requested', at: '2026-12-03T01:00:00Z', details: { refund_id: 7, lines: { '11': 1 } } },
      { action: 'refund_succeeded', at: '2026-12-03T01:01:00Z', details: { refund_id: 5, amount_fen: 6990 } },
      { action: 'refund_succeeded', at: '2026-12-03T01:01:00Z', details: { refund_id: 6, amount_fen: 5880 } },
    ]
    const steps = timeline(order, shipped, history)
    expect(steps.filter((step) => step.key === 'refunded')).toEqual([{ key: 'refunded', at: '2026-12-03T01:01:00Z', amountFen: 6990 }])
    // Done before the delivery still to come.
    expect(steps.map((step) => step.key)).toEqual(['placed', 'paid', 'shipped', 'refunded', 'delivered'])
  })

  it('ends a part cancelled before shipping at cancelled, its whole-order refund included', () => {
    const history = [
      { action: 'cancel', at: '2026-12-01T03:00:00Z', details: null },
      { action: 'refund_requested', at: '2026-12-01T03:00:00Z', details: { refund_id: 9, lines: {} } },
      { action: 'refund_succeeded', at: '2026-12-01T03:00:01Z', details: { refund_id: 9, amount_fen: 12870 } },
    ]
    const steps = timeline({ ...order, status: 'cancelled' }, { ...pending, status: 'cancelled' }, history)
    expect(steps.map((step) => step.key)).toEqual(['placed', 'paid', 'cancelled', 'refunded'])
    expect(steps[2].at).toBe('2026-12-01T03:00:00Z')
  })

  it('leaves out payment for an order that expired unpaid', () => {
    const steps = timeline({ ...order, status: 'expired', paid_at: null }, pending, [
      { action: 'expire', at: '2026-12-01T02:30:00Z', details: null },
    ])
    expect(steps.map((step) => step.key)).toEqual(['placed', 'cancelled'])
  })
})

describe('what the buyer may do', () => {
  it('cancels unpaid orders and paid ones nothing of which has shipped', () => {
    expect(mayCancel({ status: 'pending_payment', fulfilments: [pending] })).toBe(true)
    expect(mayCancel({ status: 'paid', fulfilments: [pending, pending] })).toBe(true)
    expect(mayCancel({ status: 'paid', fulfilments: [pending, shipped] })).toBe(false)
    expect(mayCancel({ status: 'cancelled', fulfilments: [pending] })).toBe(false)
  })

  it('asks back only what is left of a part, and only the lines given a quantity', () => {
    const line = (id: number, fulfilment: number, quantity: number, refunded: number) =>
      ({ id, fulfilment_id: fulfilment, quantity, refunded_quantity: refunded }) as OrderLine
    const lines = [line(11, 1, 2, 1), line(12, 2, 1, 0), line(13, 1, 1, 1)]
    expect(refundable(lines, 1).map((entry) => [entry.line.id, entry.left])).toEqual([[11, 1]])
    expect(askedLines({ 11: 1, 13: 0 })).toEqual([{ line_id: 11, quantity: 1 }])
  })
})

describe('fapiao form', () => {
  it('takes a tax id as the API does, typed with spaces or in small letters', () => {
    expect(validTaxId(normaliseTaxId('91370102 ma3c4xyz0k'))).toBe(true)
    expect(validTaxId('12345')).toBe(false)
    expect(validTaxId('91370102MA3C4XYZ0')).toBe(true) // 17, an older id
    expect(validTaxId('91370102MA3C4XYZ0K12345')).toBe(false)
    expect(validTaxId('91370102-A3C4XYZ0K')).toBe(false)
  })

  it('turns the API own addresses into paths for the client', () => {
    expect(apiPath('/api/v1/fapiao/3/invoice')).toBe('/fapiao/3/invoice')
    expect(apiPath('/fapiao/3/invoice')).toBe('/fapiao/3/invoice')
  })
})
