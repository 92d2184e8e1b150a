import { describe, expect, it } from 'vitest'
import type { Cart, Order } from './api/types'
import { buyable, isMainlandMobile, partsOf, stepperMax, unitsIn } from './cart'

function item(productId: number, quantity: number, stock: number, purchasable = true) {
  return {
    product_id: productId,
    name: `商品 ${productId}`,
    unit: '箱',
    price_fen: 100,
    quantity,
    stock,
    line_total_fen: 100 * quantity,
    is_purchasable: purchasable,
    problem: purchasable ? null : ('short_of_stock' as const),
    added_at: '2026-12-03T10:00:00+08:00',
  }
}

const cart: Cart = {
  total_fen: 500,
  suppliers: [
    { supplier_id: 1, supplier_name: '甲合作社', total_fen: 300, items: [item(10, 2, 5), item(11, 1, 9)] },
    { supplier_id: 2, supplier_name: '乙合作社', total_fen: 200, items: [item(20, 4, 3, false)] },
  ],
}

describe('cart', () => {
  it('counts every unit for the badge, none without a cart', () => {
    expect(unitsIn(cart)).toBe(7)
    expect(unitsIn(null)).toBe(0)
  })

  it('bounds a stepper by the stock, but never below what the line holds or above the API', () => {
    expect(stepperMax({ stock: 5, quantity: 2 })).toBe(5)
    expect(stepperMax({ stock: 3, quantity: 4 })).toBe(4)
    expect(stepperMax({ stock: 0, quantity: 0 })).toBe(1)
    expect(stepperMax({ stock: 50_000, quantity: 1 })).toBe(10_000)
  })

  it('checks out the buyable products only', () => {
    expect(buyable(cart)).toEqual([10, 11])
    expect(buyable(null)).toEqual([])
  })
})

describe('isMainlandMobile', () => {
  it.each(['13800138000', '138 0013 8000', '138-0013-8000', '+86 138 0013 8000', '8613800138000', '19912345678'])(
    'takes %s',
    (phone) => expect(isMainlandMobile(phone)).toBe(true),
  )
  it.each(['', '12800138000', '1380013800', '138001380001', '023-6555 1234', '+1 138 0013 8000', '1380013800a'])(
    'refuses %s',
    (phone) => expect(isMainlandMobile(phone)).toBe(false),
  )
})

describe('partsOf', () => {
  it('gives each supplier its own lines', () => {
    const line = (id: number, fulfilment: number) => ({ id, fulfilment_id: fulfilment, line_total_fen: 100 })
    const order = {
      fulfilments: [{ id: 1, supplier_name: '甲' }, { id: 2, supplier_name: '乙' }],
      lines: [line(1, 1), line(2, 2), line(3, 1)],
    } as unknown as Order
    expect(partsOf(order).map((p) => p.lines.map((l) => l.id))).toEqual([[1, 3], [2]])
  })
})
