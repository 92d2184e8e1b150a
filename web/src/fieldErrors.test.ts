import { describe, expect, it } from 'vitest'
import { fieldErrors } from './fieldErrors'

describe('fieldErrors', () => {
  it('joins each field’s messages, from any location', () => {
    const errors = { json: { phone: ['格式不对。', '太长。'], detail: ['必填。'] }, path: { product_id: ['不存在。'] } }
    expect(fieldErrors({ errors })).toEqual({ phone: '格式不对。 太长。', detail: '必填。', product_id: '不存在。' })
  })

  it('leaves out what is not a list of messages', () => {
    expect(fieldErrors({ errors: { json: { items: { 3: ['x'] } }, other: 'text' } })).toEqual({})
    expect(fieldErrors({ errors: {} })).toEqual({})
  })
})
