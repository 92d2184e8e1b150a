import { describe, expect, it } from 'vitest'
import type { Cart, Order } from './api/types'
import { alipayDevice, backFromProvider, payableAgain, paymentDevice, payStepOf, reorder, wechatH5Url } from './pay'

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const ANDROID =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36'
const HARMONY =
  'Mozilla/5.0 (Phone; OpenHarmony 4.2; HarmonyOS 4.2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile'
const WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'

type Payment = NonNullable<Order['payment']>
const payment = (fields: Partial<Payment>) => ({ qr_code: null, redirect_url: null, ...fields }) as Payment

describe('paymentDevice', () => {
  it('takes phones for phones (H5, wap pay) and computers for computers (QR code, page pay)', () => {
    expect([IPHONE, ANDROID, HARMONY].map(paymentDevice)).toEqual(['mobile', 'mobile', 'mobile'])
    expect([WINDOWS, MAC].map(paymentDevice)).toEqual(['desktop', 'desktop'])
    expect(alipayDevice('mobile')).toBe('wap')
    expect(alipayDevice('desktop')).toBe('page')
  })
})

describe('payStepOf', () => {
  it('shows WeChat Pay a QR code on a computer and a button to its H5 page on a phone', () => {
    const code = 'weixin://wxpay/bizpayurl?pr=abc1234'
    expect(payStepOf(payment({ provider: 'wechatpay', qr_code: code }))).toEqual({ kind: 'wechat-qr', code })
    const h5 = 'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1&package=1'
    expect(payStepOf(payment({ provider: 'wechatpay', redirect_url: h5 }))).toEqual({ kind: 'wechat-h5', url: h5 })
  })

  it('names each other provider, and a payment it cannot pay as such', () => {
    expect(payStepOf(payment({ provider: 'alipay' })).kind).toBe('alipay')
    expect(payStepOf(payment({ provider: 'stripe' })).kind).toBe('stripe')
    expect(payStepOf(payment({ provider: 'dev' })).kind).toBe('dev')
    expect(payStepOf(payment({ provider: 'wechatpay' })).kind).toBe('unavailable')
    expect(payStepOf(null).kind).toBe('unavailable')
  })
})

describe('the way back from the provider', () => {
  it("tells WeChat Pay's H5 page where to send the buyer, encoded, keeping its own parameters", () => {
    const url = new URL(
      wechatH5Url(
        'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1&package=1',
        'https://shop.example.cn/orders/7/result?returned=wechatpay',
      ),
    )
    expect(url.searchParams.get('prepay_id')).toBe('wx1')
    expect(url.searchParams.get('package')).toBe('1')
    expect(url.searchParams.get('redirect_url')).toBe('https://shop.example.cn/orders/7/result?returned=wechatpay')
    expect(url.search).toContain('redirect_url=https%3A%2F%2Fshop.example.cn%2F')
  })

  it('knows a buyer sent back by Stripe, Alipay or WeChat Pay from one who opened the page', () => {
    expect(backFromProvider({ redirect_status: 'succeeded' })).toBe(true)
    expect(backFromProvider({ out_trade_no: 'k_1', method: 'alipay.trade.page.pay.return' })).toBe(true)
    expect(backFromProvider({ returned: 'wechatpay' })).toBe(true)
    expect(backFromProvider({})).toBe(false)
  })
})

describe('payableAgain', () => {
  const now = Date.parse('2026-12-04T10:00:00Z')
  const later = '2026-12-04T10:30:00Z'
  const earlier = '2026-12-04T09:30:00Z'

  it('offers paying again for an order timed out or whose payment failed, never for one paid or waiting', () => {
    expect(payableAgain({ status: 'expired', payment: null, reserved_until: earlier }, now)).toBe(true)
    expect(payableAgain({ status: 'pending_payment', payment: null, reserved_until: earlier }, now)).toBe(true)
    const failed = payment({ provider: 'wechatpay', status: 'failed' })
    expect(payableAgain({ status: 'cancelled', payment: failed, reserved_until: later }, now)).toBe(true)
    const cancelled = payment({ provider: 'wechatpay', status: 'canceled' })
    expect(payableAgain({ status: 'cancelled', payment: cancelled, reserved_until: later }, now)).toBe(false)
    expect(payableAgain({ status: 'pending_payment', payment: null, reserved_until: later }, now)).toBe(false)
    expect(payableAgain({ status: 'paid', payment: null, reserved_until: earlier }, now)).toBe(false)
  })
})

describe('reorder', () => {
  it("puts each line's quantity back in the cart, keeping more where the cart holds more", () => {
    const order = { lines: [{ product_id: 1, quantity: 2 }, { product_id: 2, quantity: 1 }] } as Order
    const cart = { suppliers: [{ items: [{ product_id: 2, quantity: 3 }, { product_id: 9, quantity: 1 }] }] } as Cart
    expect(reorder(order, cart)).toEqual([
      [1, 2],
      [2, 3],
    ])
    expect(reorder(order, null)).toEqual([
      [1, 2],
      [2, 1],
    ])
  })
})
