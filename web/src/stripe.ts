// Stripe.js, loaded from js.stripe.com as Stripe requires (it may not be bundled or served by us),
// on the payment page only: that page's policy is the one that allows it (marketplace/security.py).
// Only the few calls the Payment Element needs are typed here.

export interface StripeElement {
  mount(selector: string | HTMLElement): void
}

export interface StripeElements {
  create(kind: 'payment'): StripeElement
}

export interface Stripe {
  elements(options: { clientSecret: string; locale?: string }): StripeElements
  confirmPayment(options: {
    elements: StripeElements
    confirmParams: { return_url: string }
  }): Promise<{ error?: { message?: string } }>
}

type StripeFactory = (publishableKey: string, options?: { locale?: string }) => Stripe

const SCRIPT = 'https://js.stripe.com/v3/'
let loading: Promise<StripeFactory> | null = null

export function loadStripe(publishableKey: string, locale: string): Promise<Stripe> {
  loading ??= new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement('script')
    script.src = SCRIPT
    script.async = true
    script.onload = () => {
      const factory = (window as unknown as { Stripe?: StripeFactory }).Stripe
      if (factory) resolve(factory)
      else reject(new Error('Stripe.js did not load'))
    }
    script.onerror = () => {
      loading = null
      reject(new Error('Stripe.js did not load'))
    }
    document.head.appendChild(script)
  })
  return loading.then((factory) => factory(publishableKey, { locale }))
}
