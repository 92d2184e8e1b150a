// The signed-in buyer's cart, as the API keeps it (GET /cart): the same on every device they use.
// Each change answers the whole cart again, so what is shown is always the server's.
import { defineStore } from 'pinia'
import { api } from '../api/client'
import type { Cart } from '../api/types'
import { unitsIn } from '../cart'

export const useCart = defineStore('cart', {
  state: () => ({ cart: null as Cart | null }),
  getters: {
    count: (state): number => unitsIn(state.cart),
  },
  actions: {
    async load(): Promise<Cart> {
      this.cart = await api<Cart>('/cart')
      return this.cart
    },
    async set(productId: number, quantity: number): Promise<Cart> {
      this.cart = await api<Cart>(`/cart/items/${productId}`, { method: 'PUT', body: { quantity } })
      return this.cart
    },
    /** Add `quantity` more of a product to what the cart already holds of it. */
    async add(productId: number, quantity = 1): Promise<Cart> {
      const cart = this.cart ?? (await this.load())
      return this.set(productId, quantityIn(cart, productId) + quantity)
    },
    async remove(productId: number): Promise<Cart> {
      await api<void>(`/cart/items/${productId}`, { method: 'DELETE' })
      return this.load()
    },
    forget(): void {
      this.cart = null
    },
  },
})

function quantityIn(cart: Cart, productId: number): number {
  for (const group of cart.suppliers) {
    const item = group.items.find((i) => i.product_id === productId)
    if (item) return item.quantity
  }
  return 0
}
